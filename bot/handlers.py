"""Handler registration, the button router, the catch-all and the error handler."""

from __future__ import annotations

import uuid

import structlog
from telegram import BotCommand, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import (
    alert_buttons,
    checkin,
    conversation_commands,
    coordinator_commands,
    free_text,
    inbox_commands,
    membership,
    patient_commands,
    registration,
    reminder_buttons,
)
from bot.console_command import register_console_handler
from bot.coordinator_commands import (
    COORDINATOR_BUTTONS,
    publish_coordinator_commands,
    register_coordinator_handlers,
)
from bot.handlers_types import ButtonHandler
from bot.intake import register_intake
from bot.services import BotServices, services_of
from care.domain.callbacks import decode
from care.domain.errors import NotAllowed, RefusedQuietly, SpinecareError
from care.usecases import identity
from messages.catalog import Catalog

log = structlog.get_logger(__name__)

BUTTONS: dict[str, ButtonHandler] = {
    **COORDINATOR_BUTTONS,
    **inbox_commands.INBOX_BUTTONS,
    "consent": registration.on_button,
    "hconsent": registration.on_button,
    "lang": registration.on_button,
    "setlang": registration.on_button,
    "sdate": registration.on_button,
    "wake": registration.on_button,
    "del": patient_commands.on_delete_button,
    "ftc": free_text.on_follow_up,
    "ci": checkin.on_checkin_button,
    "pdone": reminder_buttons.on_posture_button,
    "plater": reminder_buttons.on_posture_button,
    "ans": checkin.on_checkin_button,
    "ack": alert_buttons.on_alert_button,
    "called": alert_buttons.on_alert_button,
}
PATIENT_COMMANDS = (
    "help",
    "checkin",
    "signs",
    "pause",
    "resume",
    "language",
    "mydata",
    "privacy",
    "stop",
    "delete",
)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every inline button: decode, check, route, answer. Forged or stale data changes nothing.

    The query is answered last, so a refusal can be its pop-up (seen by the presser only):
    nothing about a refused press is ever posted in a group.
    """
    query = update.callback_query
    if query is None:
        return
    services = services_of(context)
    chat = update.effective_chat
    refusal: str | None = None
    lang = registration.user_language(update, services.config.default_language)
    try:
        callback = decode(query.data or "")
        handler = BUTTONS.get(callback.action)
        if handler is None or chat is None:
            raise SpinecareError(f"no handler for {callback.action}")
        await handler(query, callback, services, chat.id)
    except BadRequest as error:
        # A double tap ("not modified"), or the message to edit is gone: what the press
        # changed is stored, and only its display failed.
        log.info(
            "button_not_shown",
            action="callback.not_shown",
            chat_id=chat.id if chat else None,
            reason=error.message[:80],
        )
    except SpinecareError as error:
        log.warning(
            "button_refused",
            action="callback.refused",
            chat_id=chat.id if chat else None,
            reason=type(error).__name__,
        )
        key = "not_allowed" if isinstance(error, NotAllowed) else "button.stale"
        if not isinstance(error, RefusedQuietly):
            refusal = services.text(lang, key)
        if refusal is not None and chat is not None and chat.type == "private":
            await context.bot.send_message(chat.id, refusal)
            refusal = None
    try:
        await query.answer(text=refusal, show_alert=refusal is not None)
    except BadRequest:  # too old (a tap read after downtime): what it did still stands
        log.info("callback_answer_late", action="callback.late")


# The updates the handlers below take, asked for explicitly (getUpdates and setWebhook): a
# Telegram default changed by an earlier webhook would otherwise decide, and a lost
# my_chat_member means a blocked patient unnoticed until the next send.
HANDLED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text: kept whole first, then answered; never silence."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.type != "private":
        return
    patient = await identity.patient_in_chat(services.db, chat.id)
    if patient is None:
        lang = registration.user_language(update, services.config.default_language)
        await message.reply_text(services.text(lang, "fallback.not_registered"))
        return
    if await checkin.take_note(message, services):
        return
    await free_text.read_message(message, patient, services)


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: the patient's help, the coordinators' commands, or how to join."""
    services = services_of(context)
    if await patient_commands.answer_help(update, services):
        return
    if await coordinator_commands.answer_help(update, services):
        return
    chat, message = update.effective_chat, update.effective_message
    if chat is not None and chat.type == "private" and message is not None:
        lang = registration.user_language(update, services.config.default_language)
        await message.reply_text(services.text(lang, "start.no_invite"))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command we do not know: say so and point to /help."""
    services = services_of(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return
    # in a group only a coordinator hears back; a stranger, nothing
    listed = services.config.coordinator_ids
    if chat.type != "private" and not await identity.is_coordinator(services.db, user.id, listed):
        return
    lang = registration.user_language(update, services.config.default_language)
    await message.reply_text(services.text(lang, "command.unknown"))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception with an error id; tell the person something went wrong."""
    error_id = uuid.uuid4().hex[:8]
    log.error("handler_failed", action="error", error_id=error_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        services = services_of(context)
        lang = registration.user_language(update, services.config.default_language)
        try:
            await update.effective_message.reply_text(
                services.text(lang, "error.generic", error_id=error_id)
            )
        except Exception:  # the error handler must not raise
            log.warning("error_reply_failed", action="error", error_id=error_id)


def command_menu(catalog: Catalog, language: str) -> list[BotCommand]:
    return [
        BotCommand(name, catalog.text(language, f"command.{name}")) for name in PATIENT_COMMANDS
    ]


async def publish_commands(application: Application, services: BotServices) -> None:  # type: ignore[type-arg]
    """setMyCommands: the patients' menu for everyone, in Korean (the default) and English,
    and the coordinators' menu in their chats only. A failure here never stops start-up."""
    bot, catalog = application.bot, services.catalog
    try:
        await bot.set_my_commands(command_menu(catalog, "ko"))
        await bot.set_my_commands(command_menu(catalog, "en"), language_code="en")
        await publish_coordinator_commands(application, services)
    except TelegramError:
        log.exception("commands_not_published", action="commands.publish")


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    register_intake(application)  # group -1: every update is kept (once) before the rest
    application.add_handler(CommandHandler("start", registration.start))
    application.add_handler(CommandHandler("help", on_help))
    for name, callback in (
        ("checkin", checkin.checkin_command),
        ("pause", patient_commands.pause_command),
        ("resume", patient_commands.resume_command),
        ("stop", patient_commands.stop_command),
        ("language", patient_commands.language_command),
        ("mydata", patient_commands.mydata_command),
        ("delete", patient_commands.delete_command),
        ("signs", conversation_commands.signs_command),
        ("privacy", conversation_commands.privacy_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=private))
    application.add_handler(
        ChatMemberHandler(membership.on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    register_coordinator_handlers(application)
    register_console_handler(application)
    inbox_commands.register_inbox_handlers(application)
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
    application.add_handler(MessageHandler(private & ~filters.COMMAND, on_text))
    application.add_error_handler(on_error)
