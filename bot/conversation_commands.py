"""/signs (the warning-sign card) and /privacy (the consents, with the versions agreed to)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import Update
from telegram.ext import ContextTypes

from bot import registration
from bot.services import BotServices, services_of
from care.storage.models import Patient
from care.usecases import identity

SIGNS_CARD = "pathway.milestone.warning_signs"  # the same card the pathway sends


async def _sender(update: Update, services: BotServices) -> Patient | None:
    chat = update.effective_chat
    if chat is None:
        return None
    return await identity.patient_in_chat(services.db, chat.id)


async def signs_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/signs: which signs mean calling the emergency number now, and which the clinic today.
    Anyone may read it, registered or not."""
    services = services_of(context)
    message = update.effective_message
    if message is None:
        return
    patient = await _sender(update, services)
    lang = (
        patient.language
        if patient is not None
        else registration.user_language(update, services.config.default_language)
    )
    await message.reply_text(services.text(lang, SIGNS_CARD))


def _agreed(
    services: BotServices, patient: Patient, at: datetime | None, version: str | None
) -> str:
    lang = patient.language
    if at is None or version is None:
        return services.text(lang, "privacy.none")
    local = at.astimezone(ZoneInfo(patient.timezone))
    when = format_date(local.date(), format="long", locale=lang)
    return services.text(lang, "privacy.agreed", date=when, version=version)


async def privacy_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: both consent texts again, each with the date and version agreed to."""
    services = services_of(context)
    message = update.effective_message
    if message is None:
        return
    patient = await _sender(update, services)
    if patient is None:
        lang = registration.user_language(update, services.config.default_language)
        await message.reply_text(services.text(lang, "start.no_invite"))
        return
    lang = patient.language
    await message.reply_text(
        services.text(lang, "reg.consent")
        + "\n\n"
        + _agreed(services, patient, patient.consented_at, patient.consent_version)
    )
    await message.reply_text(
        services.text(lang, "consent.health")
        + "\n\n"
        + _agreed(services, patient, patient.health_consented_at, patient.health_consent_version)
    )
