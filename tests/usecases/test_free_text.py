"""Reading what a patient types, called directly on a real database: kept whole, read, carded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from tenacity import wait_none

from care.domain.clock import FakeClock
from care.domain.triage import Tier
from care.storage import inbox
from care.storage.db import Database, UnitOfWork
from care.storage.models import Alert, AlertState, ConversationItem, InboundMessage, Patient
from care.usecases import free_text
from care.usecases.free_text import Reading, read_free_text
from tests.usecases.test_checkin import patient as add_checkin_patient

CHAT = 4242
REALERT = timedelta(minutes=15)


async def read(
    db: Database,
    clock: FakeClock,
    who: Patient,
    message_id: int,
    text: str,
    attachment: str | None = None,
) -> Reading:
    return await read_free_text(
        db,
        clock,
        patient=who,
        chat_id=CHAT,
        message_id=message_id,
        text=text,
        attachment=attachment,
        file_id="FILE-1" if attachment else None,
        realert=REALERT,
    )


async def patient(db: Database) -> Patient:
    """The check-in tests' patient, as a row."""
    patient_id = await add_checkin_patient(db)
    async with db.session() as session:
        return await session.get_one(Patient, patient_id)


async def test_a_calm_message_is_kept_and_carded_with_no_alert(
    db: Database, clock: FakeClock
) -> None:
    who = await patient(db)

    reading = await read(db, clock, who, 11, "오늘은 많이 걸었어요")

    assert (reading.result.tier, reading.awaiting_alert_id) == (Tier.GREEN, None)
    async with db.session() as session:
        stored = await session.get_one(InboundMessage, reading.inbound_id)
        [item] = await session.scalars(select(ConversationItem))
    assert (stored.text, stored.tier) == ("오늘은 많이 걸었어요", "green")
    assert (item.inbound_message_id, item.tier) == (reading.inbound_id, "green")


async def test_an_unsure_sign_waits_for_its_follow_up_answer(
    db: Database, clock: FakeClock
) -> None:
    who = await patient(db)

    reading = await read(db, clock, who, 12, "머리가 아파요")

    assert reading.awaiting_alert_id is not None
    async with db.session() as session:
        alert = await session.get_one(Alert, reading.awaiting_alert_id)
    assert (alert.state, alert.inbound_message_id) == (AlertState.AWAITING, reading.inbound_id)


async def test_a_message_kept_on_arrival_is_read_once_not_stored_twice(
    db: Database, clock: FakeClock
) -> None:
    who = await patient(db)
    async with db.uow() as uow:
        kept = inbox.keep(
            uow.session,
            patient=who,
            chat_id=CHAT,
            telegram_message_id=13,
            text="x",
            now=clock.now(),
        )
        await uow.commit()

    reading = await read(db, clock, who, 13, "오늘은 많이 걸었어요")

    async with db.session() as session:
        stored = list(await session.scalars(select(InboundMessage.id)))
    assert stored == [kept.id] == [reading.inbound_id]


async def test_a_photo_is_kept_by_its_file_id_with_its_caption(
    db: Database, clock: FakeClock
) -> None:
    who = await patient(db)

    reading = await read(db, clock, who, 14, "상처 사진이에요", attachment="photo")

    async with db.session() as session:
        [item] = await session.scalars(select(ConversationItem))
    assert (item.attachment, item.file_id) == ("photo", "FILE-1")
    assert item.inbound_message_id == reading.inbound_id


async def test_a_reading_the_database_drops_for_a_moment_is_written_again_and_alerts_once(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text is kept, then the reading's unit of work fails twice as a dropped or locked
    database does: it is written on the third try, with one alert, not left unread."""
    who = await patient(db)
    opened = db.uow
    calls = 0

    def flaky() -> UnitOfWork:
        nonlocal calls
        calls += 1
        if calls in (2, 3):  # the first unit of work keeps the text; the reading's fail twice
            raise OperationalError("UPDATE inbound_messages", {}, Exception("database is locked"))
        return opened()

    monkeypatch.setattr(db, "uow", flaky)
    monkeypatch.setattr(free_text, "READING_WAIT", wait_none())

    reading = await read(db, clock, who, 31, "어제부터 소변이 안 나와요")

    assert calls == 4 and reading.result.tier == Tier.RED
    async with db.session() as session:
        stored = await session.get_one(InboundMessage, reading.inbound_id)
        alerts = (await session.scalars(select(Alert))).all()
        items = (await session.scalars(select(ConversationItem))).all()
    assert stored.tier == "red" and len(alerts) == 1 and len(items) == 1
    assert reading.awaiting_alert_id == alerts[0].id


async def test_a_reading_that_keeps_failing_raises_after_its_attempts(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = await patient(db)
    opened = db.uow
    calls = 0

    def down_after_keeping() -> UnitOfWork:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OperationalError("UPDATE inbound_messages", {}, Exception("gone"))
        return opened()

    monkeypatch.setattr(db, "uow", down_after_keeping)
    monkeypatch.setattr(free_text, "READING_WAIT", wait_none())

    with pytest.raises(OperationalError):
        await read(db, clock, who, 32, "열이 38.5도예요")
    assert calls == 1 + free_text.READING_ATTEMPTS  # kept once, then every attempt
