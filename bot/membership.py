"""A patient blocking or unblocking the bot (Telegram's my_chat_member updates).

CLINICAL.md: "a patient who blocks the bot alerts them at once" -- not at the next message,
which may be hours away. Unblocking starts the plan again.
"""

from __future__ import annotations

import structlog
from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from bot.services import services_of
from care.usecases.reachability import chat_blocked, chat_unblocked

log = structlog.get_logger(__name__)


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Blocked: unreachable and a red alert now. Unblocked: active again, with a welcome."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    services = services_of(context)
    status = change.new_chat_member.status
    if status == ChatMember.BANNED:
        blocked = await chat_blocked(
            services.db, services.clock, chat_id=change.chat.id, realert=services.config.realert
        )
        if blocked is None:
            return  # a stranger: nothing is stored about them
        if blocked.alerted:
            services.post_alerts()
        log.warning("patient_blocked_bot", action="patient.blocked", patient=blocked.code)
    elif status == ChatMember.MEMBER:
        unblocked = await chat_unblocked(
            services.db, services.clock, services.pathway, chat_id=change.chat.id
        )
        if unblocked is None:
            return
        await context.bot.send_message(
            change.chat.id, services.text(unblocked.language, "welcome_back")
        )
        log.info("patient_unblocked_bot", action="patient.reachable", patient=unblocked.code)
