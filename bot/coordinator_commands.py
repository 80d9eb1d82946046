"""Coordinator commands (/patients, /patient, /alerts, /enroll, /broadcast, /export, /cancel).

Registered by ``register_coordinator_handlers``; button actions in ``COORDINATOR_BUTTONS``.
Every command and button first checks the person with ``bot.authz.ensure_coordinator``
(a listed coordinator, in a private chat or the coordinators' group); a refusal is audited
and answered "not allowed", and nothing else happens. /broadcast lives in
``bot/coordinator_broadcast.py``.
"""

from __future__ import annotations

import io
from datetime import timedelta

import structlog
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes

from bot import coordinator_broadcast, coordinator_views, inbox_commands
from bot.authz import coordinator_or_refuse, ensure_coordinator
from bot.handlers_types import ButtonHandler
from bot.keyboards import markup
from bot.registration import user_language
from bot.services import BotServices, services_of
from care.domain.callbacks import Callback
from care.domain.errors import InvalidInput
from care.domain.plan import (
    LANGUAGES,
    EnrollmentRequest,
    parse_approach,
    parse_date,
    parse_level,
    parse_phone,
)
from care.usecases import enrolment, export, identity, patient_summary, team_lists
from care.views import exports
from messages.catalog import Catalog

log = structlog.get_logger(__name__)

PAGE_SIZE = 10
ALERTS_SHOWN = 10
COMMANDS = (
    "inbox",
    "patients",
    "patient",
    "alerts",
    "enroll",
    "broadcast",
    "export",
    "cancel",
    "console",
)


def coordinator_language(user: User, services: BotServices) -> str:
    """English for a Telegram user set to English, else the clinic's default (Korean)."""
    code = user.language_code or ""
    return "en" if code.startswith("en") else services.config.default_language


# /patients -----------------------------------------------------------------------------


async def _patients_page(
    services: BotServices, lang: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    found = await team_lists.active_patients(
        services.db, services.clock, page=page, page_size=PAGE_SIZE
    )
    text, keyboard = coordinator_views.patients_page(
        services.catalog, lang, found.rows, total=found.total, page=found.page, pages=found.pages
    )
    return text, markup(keyboard)


async def patients_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/patients: active patients with post-op day, last check-in and open alerts, paged."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "patients.list")
    if asker is None:
        return
    text, reply_markup = await _patients_page(services, asker.lang, 0)
    await asker.message.reply_text(text, reply_markup=reply_markup)


async def on_page_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """A "previous"/"next" button under /patients: the page, edited in place."""
    message = query.message if isinstance(query.message, Message) else None
    await ensure_coordinator(
        services,
        user_id=query.from_user.id,
        chat_id=chat_id,
        chat_type=message.chat.type if message else "",
        action="patients.page",
    )
    if callback.args[0] != "patients":
        raise InvalidInput(f"no list {callback.args[0]!r}")
    lang = coordinator_language(query.from_user, services)
    text, reply_markup = await _patients_page(services, lang, callback.arg_int(1))
    await query.edit_message_text(text, reply_markup=reply_markup)


# /patient CODE -------------------------------------------------------------------------


async def patient_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/patient CODE: plan, pain over time, alerts and deliveries of one patient."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "patients.show")
    if asker is None:
        return
    if not context.args:
        await asker.message.reply_text(services.text(asker.lang, "coord.patient.usage"))
        return
    questionnaire = services.questionnaire
    found = await patient_summary.look_up(
        services.db,
        services.clock,
        code=context.args[0],
        actor=asker.actor,
        questionnaire=questionnaire,
        pain_rows=coordinator_views.PAIN_ROWS,
        recent=inbox_commands.RECENT,
    )
    if found is None:
        await asker.message.reply_text(
            services.text(asker.lang, "coord.patient.not_found", code=context.args[0][:16])
        )
        return
    text = coordinator_views.patient_summary(
        services.catalog,
        asker.lang,
        found.patient,
        day=found.day,
        checkins=found.checkins,
        alerts=found.alerts,
        deliveries=found.deliveries,
        outcomes=found.outcomes,
        questionnaire_name=questionnaire.name[asker.lang] if questionnaire else "",
    )
    talk = inbox_commands.patient_conversation(
        services, asker.lang, found.patient, found.recent, found.last_answers
    )
    await asker.message.reply_text(f"{text}\n\n{talk}" if talk else text)


# /alerts -------------------------------------------------------------------------------


async def alerts_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/alerts: open alerts, oldest first, each with its acknowledge buttons."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "alerts.list")
    if asker is None:
        return
    now = services.clock.now()
    found = await team_lists.open_alerts(services.db, limit=ALERTS_SHOWN)
    rows, total = found.rows, found.total
    if not rows:
        await asker.message.reply_text(services.text(asker.lang, "coord.alerts.none"))
        return
    await asker.message.reply_text(services.text(asker.lang, "coord.alerts.header", count=total))
    for row in rows:
        text, keyboard = coordinator_views.alert_item(services.catalog, asker.lang, row, now)
        await asker.message.reply_text(text, reply_markup=markup(keyboard), do_quote=False)
    if total > len(rows):
        await asker.message.reply_text(
            services.text(asker.lang, "coord.alerts.more", count=total - len(rows)),
            do_quote=False,
        )


# /enroll -------------------------------------------------------------------------------


def enrollment_request(args: list[str], services: BotServices) -> EnrollmentRequest:
    """``DATE APPROACH [LEVEL] [LANGUAGE]``, in the order of ``spinecare enroll``."""
    phone: str | None = None
    if "--phone" in args:  # /enroll 2026-11-20 transforaminal --phone 010-1234-5678
        at = args.index("--phone")
        if at + 1 >= len(args):
            raise InvalidInput("--phone needs a number")
        phone = parse_phone(args[at + 1])
        args = args[:at] + args[at + 2 :]
    if len(args) < 2:
        raise InvalidInput("surgery date and approach are required")
    level: str | None = None
    language = services.config.default_language
    for extra in args[2:4]:
        if extra.lower() in LANGUAGES:
            language = extra.lower()
        else:
            level = parse_level(extra)
    return EnrollmentRequest(
        surgery_date=parse_date(args[0]),
        approach=parse_approach(args[1]),
        level=level,
        language=language,
        timezone=services.config.default_timezone,
        phone=phone,
    )


async def enroll_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/enroll 2026-11-20 transforaminal L4-5 en: the patient code and the invite link."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "patients.enroll")
    if asker is None:
        return
    args = list(context.args or [])
    if not args:
        await asker.message.reply_text(services.text(asker.lang, "coord.enroll.usage"))
        return
    try:
        enrolled = await enrolment.enrol(
            services.db,
            services.clock,
            enrollment_request(args, services),
            policy=enrolment.EnrolmentPolicy(
                invite_ttl=timedelta(days=services.config.invite_ttl_days),
                window=services.config.default_window,
            ),
            bot_username=context.bot.username,
            actor=asker.actor,
        )
    except InvalidInput as error:
        await asker.message.reply_text(
            services.text(asker.lang, "coord.invalid", error=str(error))
            + "\n\n"
            + services.text(asker.lang, "coord.enroll.usage")
        )
        return
    await asker.message.reply_text(
        services.text(
            asker.lang,
            "coord.enroll.done",
            code=enrolled.patient_code,
            expires=enrolled.expires_at.date().isoformat(),
            link=enrolled.link,
        )
    )
    log.info("patient_enrolled", action="coordinator.enroll", by=asker.user.id)


# /export -------------------------------------------------------------------------------


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export patients|checkins|alerts|deliveries [csv|json] [SINCE]: a document."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "export")
    if asker is None:
        return
    args = list(context.args or [])
    try:
        since = (
            exports.since_instant(parse_date(args[2]), services.config.default_timezone)
            if len(args) > 2
            else None
        )
        exported = await export.export(
            services.db,
            services.clock,
            args[0] if args else "patients",
            args[1] if len(args) > 1 else "csv",
            since=since,
            actor=asker.actor,
            questionnaire=services.questionnaire,
            via="telegram",
        )
    except InvalidInput as error:
        await asker.message.reply_text(
            services.text(asker.lang, "coord.invalid", error=str(error))
            + "\n\n"
            + services.text(asker.lang, "coord.export.usage")
        )
        return
    await asker.message.reply_document(
        document=io.BytesIO(exported.data),
        filename=exported.filename,
        caption=services.text(
            asker.lang,
            "coord.export.caption",
            what=exported.what,
            count=exported.rows,
            format=exported.format,
        ),
    )


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel outside a conversation: nothing to stop."""
    services = services_of(context)
    if update.effective_message is None:
        return
    lang = user_language(update, services.config.default_language)
    await update.effective_message.reply_text(services.text(lang, "coord.nothing_to_cancel"))


# registration --------------------------------------------------------------------------

COORDINATOR_BUTTONS: dict[str, ButtonHandler] = {
    "bc": coordinator_broadcast.on_broadcast_button,
    "page": on_page_button,
}


def register_coordinator_handlers(application: Application) -> None:  # type: ignore[type-arg]
    """Add the coordinator command handlers (before the catch-all handlers)."""
    application.add_handler(coordinator_broadcast.conversation())
    for name, callback in (
        ("patients", patients_command),
        ("patient", patient_command),
        ("alerts", alerts_command),
        ("enroll", enroll_command),
        ("export", export_command),
        ("cancel", cancel_command),
    ):
        application.add_handler(CommandHandler(name, callback))


async def answer_help(update: Update, services: BotServices) -> bool:
    """/help from a coordinator in their chat or the team's group: the coordinators' commands.

    False (and nothing said or audited) for anyone else: /help is not a coordinator action.
    """
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return False
    if chat.type != "private" and chat.id != services.config.coordinator_chat_id:
        return False
    if not await identity.is_coordinator(services.db, user.id, services.config.coordinator_ids):
        return False
    lang = user_language(update, services.config.default_language)
    lines = [services.text(lang, "coord.help")]
    lines += [
        f"/{command.command} · {command.description}"
        for command in command_menu(services.catalog, lang)
    ]
    await message.reply_text("\n".join(lines))
    return True


def command_menu(catalog: Catalog, language: str) -> list[BotCommand]:
    return [BotCommand(name, catalog.text(language, f"coord.command.{name}")) for name in COMMANDS]


async def publish_coordinator_commands(
    application: Application,  # type: ignore[type-arg]
    services: BotServices,
) -> int:
    """setMyCommands for the coordinators only: their group and each coordinator's private
    chat (listed in the settings or added with ``spinecare coordinator add``), in Korean (the
    default) and English. A chat Telegram does not know yet (a coordinator who never opened
    the bot) is skipped; returns the chats done."""
    config = services.config
    stored = await identity.stored_coordinators(services.db)
    chats = sorted(config.coordinator_ids | stored)
    if config.coordinator_chat_id is not None:
        chats.insert(0, config.coordinator_chat_id)
    done = 0
    for chat_id in chats:
        scope = BotCommandScopeChat(chat_id)
        try:
            await application.bot.set_my_commands(command_menu(services.catalog, "ko"), scope=scope)
            await application.bot.set_my_commands(
                command_menu(services.catalog, "en"), scope=scope, language_code="en"
            )
        except TelegramError as error:
            log.warning(
                "coordinator_commands_not_set",
                action="commands.coordinator",
                chat_id=chat_id,
                error=error.message[:100],
            )
            continue
        done += 1
    return done
