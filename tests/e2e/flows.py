"""Steps of the patient's journey through the sandbox, shared by the end-to-end tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from care.domain.plan import Approach, EnrollmentRequest
from care.storage import enrollment
from care.storage.models import Patient
from tests.e2e.conftest import Harness, button


async def enrol(
    harness: Harness, *, language: str = "ko", ttl_days: int = 14, name: str | None = None
) -> tuple[str, str]:
    async with harness.running.db.uow() as uow:
        result = await enrollment.enroll(
            uow.session,
            EnrollmentRequest(
                surgery_date=date(2026, 11, 20),
                approach=Approach.TRANSFORAMINAL,
                level="L4-5",
                language=language,
                timezone="Asia/Seoul",
                display_name=name,
            ),
            actor="cli",
            now=harness.clock.now(),
            ttl=timedelta(days=ttl_days),
            window=(harness.settings.waking_start, harness.settings.waking_end),
        )
        await uow.commit()
    return result.patient_code, result.invite_code


async def step(
    harness: Harness, user: int, message: dict[str, Any], prefix: str, expect: str
) -> dict[str, Any]:
    """Press the button starting with ``prefix`` and wait for the message to read ``expect``."""
    data = button(message, prefix)
    await harness.sandbox.press_button(user, user, message["message_id"], data)
    return await harness.sandbox.wait_for_message(
        user, lambda m: m["message_id"] == message["message_id"] and expect in m.get("text", "")
    )


async def open_link(harness: Harness, user: int, invite: str, expect: str) -> dict[str, Any]:
    sent = await harness.sandbox.send_text(user, f"/start {invite}")
    return await harness.sandbox.wait_for_message(user, expect, after_message_id=sent["message_id"])


async def patient_row(harness: Harness, code: str) -> Patient:
    async with harness.running.db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.code == code))
    assert patient is not None
    return patient


async def press(
    harness: Harness, user: int, message: dict[str, Any], prefix: str, expect: str
) -> dict[str, Any]:
    """Press the button starting with ``prefix``; wait for a NEW message that reads ``expect``."""
    await harness.sandbox.press_button(user, user, message["message_id"], button(message, prefix))
    return await harness.sandbox.wait_for_message(
        user, expect, after_message_id=message["message_id"]
    )


async def give_consents(harness: Harness, user: int, consent: dict[str, Any]) -> dict[str, Any]:
    """Agree to the service, then to health data; return the language question."""
    health = await press(harness, user, consent, "1|consent|yes", "2/2")
    return await press(harness, user, health, "1|hconsent|yes", "Which language")


async def register(
    harness: Harness, user: int, *, language: str = "ko", name: str | None = None
) -> str:
    """Enrol and register a patient through the sandbox; return the patient code."""
    code, invite = await enrol(harness, language=language, name=name)
    await harness.sandbox.ensure_user(user, "환자", language_code=language)
    consent = await open_link(harness, user, invite, "/delete")
    asked_language = await give_consents(harness, user, consent)
    asked_date = await step(harness, user, asked_language, f"1|lang|{language}", "2026")
    window_word = "깨어" if language == "ko" else "awake"
    asked_window = await step(harness, user, asked_date, "1|sdate|yes", window_word)
    await step(harness, user, asked_window, "1|wake|8-22", "/checkin")
    return code
