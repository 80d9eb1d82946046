"""The coordinators' buttons on an alert: "Acknowledge" and "Called patient"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import structlog
from babel.dates import format_time
from telegram import CallbackQuery, Message
from telegram.error import TelegramError

from bot.authz import ensure_coordinator
from bot.services import BotServices
from care import alerts
from care.callbacks import Callback
from care.models import Patient

log = structlog.get_logger(__name__)


async def on_alert_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """Record who acknowledged or called, stop re-escalation, and tell the patient."""
    message = query.message if isinstance(query.message, Message) else None
    user = query.from_user
    await ensure_coordinator(
        services,
        user_id=user.id,
        chat_id=chat_id,
        chat_type=message.chat.type if message else "",
        action=f"alert.{callback.action}",
    )
    now = services.clock.now()
    change = alerts.acknowledge if callback.action == "ack" else alerts.mark_called
    async with services.db.uow() as uow:
        alert = await change(uow.session, callback.arg_int(0), by_user=user.id, now=now)
        if alert is None:
            return  # already handled by someone else, or no such alert: nothing changes
        patient = await uow.session.get_one(Patient, alert.patient_id)
        await uow.commit()
    config = services.config
    lang = config.default_language
    when = format_time(now.astimezone(ZoneInfo(config.default_timezone)), "short", locale=lang)
    note = services.text(
        lang, f"alert.{callback.action}.note", who=user.full_name or str(user.id), time=when
    )
    if message is not None and message.text:
        still_open = message.reply_markup if callback.action == "ack" else None
        await query.edit_message_text(f"{message.text}\n\n{note}", reply_markup=still_open)
    if callback.action == "ack" and patient.chat_id is not None:
        try:
            await query.get_bot().send_message(
                patient.chat_id, services.text(patient.language, "alert.patient_told")
            )
        except TelegramError as error:  # blocked or gone: the acknowledgement still stands
            log.warning(
                "patient_not_told",
                action="alert.ack",
                alert_id=alert.id,
                error=type(error).__name__,
            )
    log.info("alert_handled", action=f"alert.{callback.action}", alert_id=alert.id, by=user.id)
