"""A patient's /pause, /resume, /stop and /delete, called directly on a real database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.pathway import load_pathway
from care.storage.db import Database
from care.storage.models import ConversationItem, Patient, PatientStatus
from care.usecases.patient_status import (
    Change,
    Changed,
    NotNow,
    NotRegistered,
    change_status,
    erase,
    language_of,
)
from tests.support.factories import add_patient

PATHWAY = load_pathway()
CHAT = 8501


async def status(db: Database) -> PatientStatus:
    async with db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.chat_id == CHAT))
        assert patient is not None
        return patient.status


async def event_kinds(db: Database) -> list[str]:
    async with db.session() as session:
        return [item.kind for item in (await session.scalars(select(ConversationItem))).all()]


async def test_pause_resume_and_stop_change_the_status_and_leave_a_card_each(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-STAT01", now=clock.now(), chat_id=CHAT, language="en")

    paused = await change_status(db, clock, PATHWAY, chat_id=CHAT, change=Change.PAUSE, days=5)
    assert paused == Changed("en", "P-STAT01", date(2026, 11, 25))
    assert await status(db) == PatientStatus.PAUSED
    await change_status(db, clock, PATHWAY, chat_id=CHAT, change=Change.RESUME)
    assert await status(db) == PatientStatus.ACTIVE
    await change_status(db, clock, PATHWAY, chat_id=CHAT, change=Change.STOP)
    assert await status(db) == PatientStatus.STOPPED
    assert await event_kinds(db) == ["pause", "resume", "stop"]

    refused = await change_status(db, clock, PATHWAY, chat_id=CHAT, change=Change.PAUSE)
    assert refused == NotNow("en")  # a stopped patient resumes first
    assert await event_kinds(db) == ["pause", "resume", "stop"]


async def test_a_chat_without_a_patient_changes_nothing(db: Database, clock: FakeClock) -> None:
    outcome = await change_status(db, clock, PATHWAY, chat_id=4242, change=Change.STOP)
    assert outcome == NotRegistered()
    assert await language_of(db, chat_id=4242) is None


async def test_erasing_leaves_a_deleted_record_and_a_card_without_text(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-STAT02", now=clock.now(), chat_id=CHAT)
    assert await language_of(db, chat_id=CHAT) == "ko"

    erased = await erase(db, clock, chat_id=CHAT)

    assert erased.code == "P-STAT02"
    assert await language_of(db, chat_id=CHAT) is None
    assert await event_kinds(db) == ["delete"]
