"""The coordinators' buttons on an alert: "Acknowledge" and "Called patient"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import structlog
from babel.dates import format_time
from telegram import CallbackQuery, Message
from telegram.error import TelegramError

from bot.authz import ensure_coordinator
from bot.services import BotServices
from care.domain.callbacks import Callback
from care.usecases.alert_handling import Handling, handle

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
    how = Handling(callback.action)
    handled = await handle(services.db, services.clock, callback.arg_int(0), how, by_user=user.id)
    if handled is None:
        return  # already handled by someone else, or no such alert: nothing changes
    config = services.config
    lang = config.default_language
    when = format_time(
        handled.at.astimezone(ZoneInfo(config.default_timezone)), "short", locale=lang
    )
    note = services.text(
        lang, f"alert.{callback.action}.note", who=user.full_name or str(user.id), time=when
    )
    if message is not None and message.text:
        still_open = message.reply_markup if how is Handling.ACKNOWLEDGE else None
        await query.edit_message_text(f"{message.text}\n\n{note}", reply_markup=still_open)
    if how is Handling.ACKNOWLEDGE and handled.patient_chat_id is not None:
        try:
            await query.get_bot().send_message(
                handled.patient_chat_id,
                services.text(handled.patient_language, "alert.patient_told"),
            )
        except TelegramError as error:  # blocked or gone: the acknowledgement still stands
            log.warning(
                "patient_not_told",
                action="alert.ack",
                alert_id=handled.alert_id,
                error=type(error).__name__,
            )
    log.info(
        "alert_handled", action=f"alert.{callback.action}", alert_id=handled.alert_id, by=user.id
    )
