"""The first handler of every update: keep it (once), then let the others think and answer.

Runs in handler group -1. A duplicate update stops here; so does one that went to the local
journal while the database is down (the patient is told "received" and the update is
replayed through every handler when the database is back).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import structlog
from sqlalchemy import text
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler, filters

from bot.free_text import attachment_kind
from bot.registration import user_language
from bot.services import BotServices, services_of
from care.domain.triage.attachments import stored_text
from care.usecases.receive import Incoming, Outcome, forget_old_updates, receive

log = structlog.get_logger(__name__)

PATIENT_TEXT = filters.ChatType.PRIVATE & ~filters.COMMAND
FORGET_EVERY_SECONDS = 3600.0


def incoming(update: Update) -> Incoming:
    """The fields of an update that keeping it needs."""
    kind = next((key for key in update.to_dict() if key != "update_id"), "unknown")
    message = update.message or update.edited_message
    chat = update.effective_chat
    return Incoming(
        update_id=update.update_id,
        kind=kind,
        chat_id=chat.id if chat else None,
        message_id=message.message_id if message else None,
        private=chat is not None and chat.type == "private",
        keep_text=_patient_text(update, message),
        raw=update.to_dict(),
    )


def _patient_text(update: Update, message: Message | None) -> str | None:
    if message is None or not PATIENT_TEXT.check_update(update):
        return None
    text = message.text or message.caption or ""
    kind = attachment_kind(message)
    return text if kind is None else stored_text(kind, text)


async def on_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not isinstance(update, Update):
        return
    services = services_of(context)
    fields = incoming(update)
    receipt = await receive(services.db, services.journal, fields, now=services.clock.now())
    if receipt.outcome == Outcome.STORED:
        return
    if receipt.outcome == Outcome.JOURNALED and update.update_id not in services.replaying:
        await _tell_received(update, services)
    raise ApplicationHandlerStop


async def _tell_received(update: Update, services: BotServices) -> None:
    """Database down: say "received" (not "something went wrong"); stop a button's spinner."""
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        elif update.message is not None and update.message.chat.type == "private":
            lang = user_language(update, services.config.default_language)
            await update.message.reply_text(services.text(lang, "intake.received_later"))
    except TelegramError:
        log.warning("received_not_told", action="update.journaled", update_id=update.update_id)


async def database_reachable(services: BotServices) -> bool:
    try:
        async with asyncio.timeout(5):
            async with services.db.session() as session:
                await session.execute(text("SELECT 1"))
    except Exception:  # any failure means "not yet": the journal waits
        return False
    return True


async def replay_journal(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Handle every journaled update again, through every handler; the number replayed."""
    services: BotServices = application.bot_data["services"]
    journal = services.journal
    if not await asyncio.to_thread(journal.pending) or not await database_reachable(services):
        return 0
    replayed = 0
    async with services.replay_lock:
        for batch in await asyncio.to_thread(journal.take):
            for raw in journal.read(batch):
                update = Update.de_json(raw, application.bot)
                services.replaying.add(update.update_id)
                try:
                    await application.process_update(update)
                finally:
                    services.replaying.discard(update.update_id)
                replayed += 1
            await asyncio.to_thread(journal.done, batch)
    log.info("journal_replayed", action="journal.replay", updates=replayed)
    return replayed


async def replay_forever(
    application: Application[Any, Any, Any, Any, Any, Any], every_seconds: float
) -> None:
    """Replay the journal whenever it holds something and the database answers."""
    services: BotServices = application.bot_data["services"]
    forgotten_at = 0.0
    while True:
        try:
            await replay_journal(application)
            if time.monotonic() - forgotten_at > FORGET_EVERY_SECONDS:
                forgotten_at = time.monotonic()
                await forget_old_updates(services.db, now=services.clock.now())
        except Exception:
            log.exception("journal_replay_failed", action="journal.replay")
        await asyncio.sleep(every_seconds)


def register_intake(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, on_update), group=-1)
