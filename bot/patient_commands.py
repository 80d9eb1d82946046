"""Patient commands: /help /pause /resume /language /mydata /stop /delete."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from babel.dates import format_date, format_datetime
from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.services import BotServices, services_of
from care.domain.callbacks import Callback
from care.domain.errors import InvalidInput
from care.storage import patients
from care.storage.models import Patient
from care.usecases import identity, patient_status
from care.usecases.my_data import my_data

log = structlog.get_logger(__name__)


async def _patient(update: Update, services: BotServices) -> tuple[Message, Patient] | None:
    """The sender's patient record, or a polite refusal (after the read) when there is none."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    patient = await identity.patient_in_chat(services.db, chat.id)
    if patient is None:
        await message.reply_text(services.text(services.config.default_language, "start.no_invite"))
        return None
    return message, patient


async def answer_help(update: Update, services: BotServices) -> bool:
    """/help from a patient in their chat: what the bot does and the commands; False if none."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.type != "private":
        return False
    patient = await identity.patient_in_chat(services.db, chat.id)
    if patient is None:
        return False
    await message.reply_text(services.text(patient.language, "help.patient"))
    return True


async def _status_command(
    update: Update,
    services: BotServices,
    change: patient_status.Change,
    done_key: str,
    days: int = 3,
) -> None:
    """Apply a status change to the sender's record and confirm; "not now" if it does not apply."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    outcome = await patient_status.change_status(
        services.db, services.clock, services.pathway, chat_id=chat.id, change=change, days=days
    )
    if isinstance(outcome, patient_status.NotRegistered):
        await message.reply_text(services.text(services.config.default_language, "start.no_invite"))
        return
    if isinstance(outcome, patient_status.NotNow):
        await message.reply_text(services.text(outcome.language, "not_active"))
        return
    services.post_alerts()  # the team sees the change as a card
    values = {"until": outcome.paused_until.isoformat()} if outcome.paused_until else {}
    await message.reply_text(services.text(outcome.language, done_key, **values))


def pause_days(args: list[str] | None) -> int | None:
    """The number of days in "/pause [days]" (3 when not given); None when it is not valid."""
    if not args:
        return 3
    try:
        days = int(args[0])
    except ValueError:
        return None
    return days if 1 <= days <= patients.MAX_PAUSE_DAYS else None


async def pause_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/pause [days]: no reminders for a while (3 days unless said)."""
    services = services_of(context)
    days = pause_days(context.args)
    if days is None:
        if update.effective_message is not None:
            lang = await _language(update, services)
            await update.effective_message.reply_text(
                services.text(lang, "pause.bad_days", max_days=patients.MAX_PAUSE_DAYS)
            )
        return

    await _status_command(update, services, patient_status.Change.PAUSE, "pause.done", days)


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume: reminders back on."""
    services = services_of(context)
    await _status_command(update, services, patient_status.Change.RESUME, "resume.done")


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: no more messages; the record stays for the care team."""
    services = services_of(context)
    await _status_command(update, services, patient_status.Change.STOP, "stop.done")


async def _language(update: Update, services: BotServices) -> str:
    chat = update.effective_chat
    if chat is not None:
        patient = await identity.patient_in_chat(services.db, chat.id)  # erasure blanks chat_id
        if patient is not None:
            return patient.language
    return services.config.default_language


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: choose Korean or English."""
    services = services_of(context)
    found = await _patient(update, services)
    if found:
        message, _ = found
        await message.reply_text(
            services.text(services.config.default_language, "reg.language"),
            reply_markup=keyboards.markup(keyboards.language("setlang")),
        )


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mydata: a readable summary and, as a file, everything stored."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    found = await my_data(services.db, chat_id=chat.id)
    if found is None:
        await message.reply_text(services.text(services.config.default_language, "start.no_invite"))
        return
    patient, data = found.patient, found.data
    lang = patient.language
    await message.reply_text(
        mydata_summary(services, patient, data),
    )
    document = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await message.reply_document(
        io.BytesIO(document),
        filename=f"spinecare-{patient.code}.json",
        caption=services.text(lang, "mydata.caption", code=patient.code),
    )
    log.info("mydata_sent", action="patient.mydata", patient=patient.code)


def mydata_summary(services: BotServices, patient: Patient, data: dict[str, Any]) -> str:
    """The summary in the patient's own language: words for the status and approach, dates
    and times in their time zone (the attached file keeps the raw values)."""
    lang = patient.language
    none = services.text(lang, "mydata.none")
    zone = ZoneInfo(patient.timezone)

    def when(at: datetime | None) -> str:
        if at is None:
            return none
        return format_datetime(at.astimezone(zone), "medium", tzinfo=zone, locale=lang)

    return services.text(
        lang,
        "mydata.summary",
        code=patient.code,
        name=patient.display_name or none,
        status=services.text(lang, f"mydata.status.{patient.status.value}"),
        surgery_date=(
            format_date(patient.surgery_date, "long", locale=lang) if patient.surgery_date else none
        ),
        approach=(
            services.text(lang, f"mydata.approach.{patient.approach.value}")
            if patient.approach
            else none
        ),
        level=patient.level or "",
        language=services.text(lang, f"mydata.language.{patient.language}"),
        timezone=patient.timezone,
        start=f"{patient.waking_start:%H:%M}",
        end=f"{patient.waking_end:%H:%M}",
        consented_at=when(patient.consented_at),
        consent_version=patient.consent_version or none,
        health_consented_at=when(patient.health_consented_at),
        health_consent_version=patient.health_consent_version or none,
        checkins=len(data.get("checkins", [])),
        inbound=len(data.get("inbound_messages", [])),
        alerts=len(data.get("alerts", [])),
        scheduled=len(data.get("scheduled_messages", [])),
    )


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: ask for an explicit confirmation first."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    language = await patient_status.language_of(services.db, chat_id=chat.id)
    if language is None:
        await message.reply_text(services.text(services.config.default_language, "start.no_invite"))
        return
    await message.reply_text(
        services.text(language, "delete.confirm"),
        reply_markup=keyboards.markup(keyboards.delete_confirmation(services.catalog, language)),
    )


async def on_delete_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """The /delete confirmation: erase on "yes", keep everything on "no"."""
    if callback.args[0] != "yes":
        language = await patient_status.language_of(services.db, chat_id=chat_id)
        if language is None:
            raise InvalidInput("delete button from a chat with no patient")
        await query.edit_message_text(services.text(language, "delete.cancelled"))
        return
    erased = await patient_status.erase(services.db, services.clock, chat_id=chat_id)
    services.post_alerts()
    await query.edit_message_text(services.text(erased.language, "delete.done"))
    log.info("patient_deleted", action="patient.deleted", patient=erased.code)
