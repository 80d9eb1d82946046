"""Patient commands: /help /pause /resume /language /mydata /stop /delete."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from babel.dates import format_date, format_datetime
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.services import BotServices, services_of
from care import conversation, patients, privacy
from care.callbacks import Callback
from care.db import UnitOfWork
from care.errors import InvalidInput
from care.models import Patient, PatientStatus

log = structlog.get_logger(__name__)


async def _patient(
    update: Update, services: BotServices, uow: UnitOfWork
) -> tuple[Message, Patient] | None:
    """The sender's patient record, or a polite refusal when there is none."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    patient = await patients.by_chat(uow.session, chat.id)
    if patient is None or patient.status == PatientStatus.DELETED:
        await message.reply_text(services.text(services.config.default_language, "start.no_invite"))
        return None
    return message, patient


async def answer_help(update: Update, services: BotServices) -> bool:
    """/help from a patient in their chat: what the bot does and the commands; False if none."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or chat.type != "private":
        return False
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat.id)
    if patient is None or patient.status == PatientStatus.DELETED:
        return False
    await message.reply_text(services.text(patient.language, "help.patient"))
    return True


StatusChange = Callable[[AsyncSession, Patient], Awaitable[dict[str, object]]]


async def _status_command(
    update: Update, services: BotServices, change: StatusChange, done_key: str
) -> None:
    """Apply a status change to the sender's record and confirm; "not now" if it does not apply."""
    async with services.db.uow() as uow:
        found = await _patient(update, services, uow)
        if not found:
            return
        message, patient = found
        try:
            values = await change(uow.session, patient)
        except InvalidInput:
            await message.reply_text(services.text(patient.language, "not_active"))
            return
        await uow.commit()
    services.post_alerts()  # the team sees the change as a card
    await message.reply_text(services.text(patient.language, done_key, **values))


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

    async def change(session: AsyncSession, patient: Patient) -> dict[str, object]:
        until = await patients.pause(session, patient, days, now=services.clock.now())
        conversation.record_event(session, patient=patient, kind="pause", now=services.clock.now())
        return {"until": until.isoformat()}

    await _status_command(update, services, change, "pause.done")


async def resume_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/resume: reminders back on."""
    services = services_of(context)

    async def change(session: AsyncSession, patient: Patient) -> dict[str, object]:
        await patients.resume(session, patient, now=services.clock.now(), pathway=services.pathway)
        conversation.record_event(session, patient=patient, kind="resume", now=services.clock.now())
        return {}

    await _status_command(update, services, change, "resume.done")


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: no more messages; the record stays for the care team."""
    services = services_of(context)

    async def change(session: AsyncSession, patient: Patient) -> dict[str, object]:
        await patients.stop(session, patient, now=services.clock.now())
        conversation.record_event(session, patient=patient, kind="stop", now=services.clock.now())
        return {}

    await _status_command(update, services, change, "stop.done")


async def _language(update: Update, services: BotServices) -> str:
    chat = update.effective_chat
    if chat is not None:
        async with services.db.uow() as uow:
            patient = await patients.by_chat(uow.session, chat.id)
        if patient is not None:
            return patient.language
    return services.config.default_language


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: choose Korean or English."""
    services = services_of(context)
    async with services.db.uow() as uow:
        found = await _patient(update, services, uow)
    if found:
        message, _ = found
        await message.reply_text(
            services.text(services.config.default_language, "reg.language"),
            reply_markup=keyboards.markup(keyboards.language("setlang")),
        )


async def mydata_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/mydata: a readable summary and, as a file, everything stored."""
    services = services_of(context)
    async with services.db.uow() as uow:
        found = await _patient(update, services, uow)
        if not found:
            return
        message, patient = found
        data = await privacy.export(uow.session, patient)
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
    async with services.db.uow() as uow:
        found = await _patient(update, services, uow)
    if found:
        message, patient = found
        await message.reply_text(
            services.text(patient.language, "delete.confirm"),
            reply_markup=keyboards.markup(
                keyboards.delete_confirmation(services.catalog, patient.language)
            ),
        )


async def on_delete_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """The /delete confirmation: erase on "yes", keep everything on "no"."""
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id)
        if patient is None:
            raise InvalidInput("delete button from a chat with no patient")
        lang = patient.language
        if callback.args[0] != "yes":
            await query.edit_message_text(services.text(lang, "delete.cancelled"))
            return
        urgent = await conversation.open_red_alert(uow.session, patient)
        await privacy.erase(
            uow.session, patient, now=services.clock.now(), actor=f"patient:{patient.code}"
        )
        conversation.record_event(  # after the erasure: the team learns of it, without text
            uow.session,
            patient=patient,
            kind="delete",
            now=services.clock.now(),
            tier="red" if urgent else None,
        )
        await uow.commit()
    services.post_alerts()
    await query.edit_message_text(services.text(lang, "delete.done"))
    log.info("patient_deleted", action="patient.deleted", patient=patient.code)
