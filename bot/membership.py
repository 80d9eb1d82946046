"""A patient blocking or unblocking the bot (Telegram's my_chat_member updates).

CLINICAL.md: "a patient who blocks the bot alerts them at once" -- not at the next message,
which may be hours away. Unblocking starts the plan again.
"""

from __future__ import annotations

import structlog
from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.services import services_of
from care.storage import patients

log = structlog.get_logger(__name__)


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocked: unreachable and a red alert now. Unblocked: active again, with a welcome."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    services = services_of(context)
    now = services.clock.now()
    status = change.new_chat_member.status
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, change.chat.id)
        if patient is None:
            return  # a stranger: nothing is stored about them
        if status == ChatMember.BANNED:
            alert = await patients.mark_unreachable(
                uow.session,
                patient,
                now=now,
                reason="blocked_the_bot",
                realert=services.config.realert,
            )
            await uow.commit()
            if alert is not None:
                services.post_alerts()
            log.warning("patient_blocked_bot", action="patient.blocked", patient=patient.code)
            return
        if status == ChatMember.MEMBER and await patients.reachable_again(
            uow.session, patient, now=now, pathway=services.pathway
        ):
            await uow.commit()
            await context.bot.send_message(
                change.chat.id, services.text(patient.language, "welcome_back")
            )
            log.info("patient_unblocked_bot", action="patient.reachable", patient=patient.code)
