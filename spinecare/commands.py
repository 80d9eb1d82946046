"""What the CLI commands do, as coroutines over settings (the CLI module parses and prints)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from care.domain.clock import SystemClock
from care.domain.plan import (
    EnrollmentRequest,
    parse_approach,
    parse_date,
    parse_level,
    parse_phone,
)
from care.settings import Settings
from care.storage.db import Database
from care.usecases import enrolment, patient_summary
from spinecare.bootstrap import open_database

SANDBOX_BOT_USERNAME = "spinecare_sandbox_bot"


async def bot_username(settings: Settings) -> str:
    """The bot's @username, for the deep link: asked of the Bot API when a token is set."""
    if settings.telegram_token is None:
        return SANDBOX_BOT_USERNAME
    from telegram import Bot

    async with Bot(settings.telegram_token, base_url=settings.telegram_api_url) as bot:
        return bot.username


async def _database(settings: Settings) -> Database:
    return await open_database(settings)


async def enroll(
    settings: Settings,
    *,
    surgery_date: str,
    approach: str,
    level: str | None,
    language: str | None,
    timezone: str | None,
    name: str | None,
    phone: str | None = None,
    actor: str = "cli",
) -> dict[str, Any]:
    request = EnrollmentRequest(
        surgery_date=parse_date(surgery_date),
        approach=parse_approach(approach),
        level=parse_level(level),
        language=language or settings.language,
        timezone=timezone or settings.timezone,
        display_name=name.strip() if name and name.strip() else None,
        phone=parse_phone(phone),
    )
    username = await bot_username(settings)
    db = await _database(settings)
    try:
        enrolled = await enrolment.enrol(
            db,
            SystemClock(),
            request,
            policy=enrolment.EnrolmentPolicy(
                invite_ttl=timedelta(days=settings.invite_ttl_days),
                window=(settings.waking_start, settings.waking_end),
            ),
            bot_username=username,
            actor=actor,
        )
    finally:
        await db.dispose()
    return {
        "patient_code": enrolled.patient_code,
        "invite_code": enrolled.invite_code,
        "link": enrolled.link,
        "expires_at": enrolled.expires_at.isoformat(),
    }


async def patient_show(settings: Settings, code: str) -> dict[str, Any]:
    db = await _database(settings)
    try:
        return await patient_summary.as_json(
            db, SystemClock(), code, actor="cli", questionnaire=settings.questionnaire
        )
    finally:
        await db.dispose()


async def patient_list(settings: Settings) -> list[dict[str, Any]]:
    db = await _database(settings)
    try:
        return await patient_summary.listing(db)
    finally:
        await db.dispose()
