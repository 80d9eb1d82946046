"""A patient blocking and unblocking the bot, called directly on a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from care.domain.clock import FakeClock
from care.domain.pathway import load_pathway
from care.storage.db import Database
from care.storage.models import Alert, MessageState, Patient, PatientStatus, ScheduledMessage
from care.storage.schedule import extend_schedule
from care.usecases.reachability import Blocked, Unblocked, chat_blocked, chat_unblocked
from tests.support.factories import add_patient

PATHWAY = load_pathway()
CHAT = 8701
REALERT = timedelta(minutes=15)


async def status(db: Database) -> PatientStatus:
    async with db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.chat_id == CHAT))
        assert patient is not None
        return patient.status


async def pending(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).where(ScheduledMessage.state == MessageState.PENDING)
        return int(await session.scalar(query.select_from(ScheduledMessage)) or 0)


async def red_alerts(db: Database) -> list[tuple[str, str]]:
    async with db.session() as session:
        return [(a.severity, a.source) for a in await session.scalars(select(Alert))]


async def test_blocking_makes_the_patient_unreachable_with_a_red_alert_and_no_messages(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-REACH1", now=clock.now(), chat_id=CHAT, language="en")
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        await extend_schedule(uow.session, patient, PATHWAY, now=clock.now())
        await uow.commit()
    assert await pending(db) > 0

    await chat_blocked(db, clock, chat_id=CHAT, realert=REALERT)

    assert await status(db) == PatientStatus.UNREACHABLE
    assert await pending(db) == 0
    assert await red_alerts(db) == [("red", "unreachable")]


async def test_blocking_says_whom_and_whether_to_post_an_alert(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-REACH2", now=clock.now(), chat_id=CHAT)

    assert await chat_blocked(db, clock, chat_id=CHAT, realert=REALERT) == Blocked(
        "P-REACH2", alerted=True
    )


async def test_unblocking_starts_the_plan_again_from_now_once(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-REACH3", now=clock.now(), chat_id=CHAT, language="en")
    await chat_blocked(db, clock, chat_id=CHAT, realert=REALERT)
    clock.advance(timedelta(days=1))

    back = await chat_unblocked(db, clock, PATHWAY, chat_id=CHAT)

    assert back == Unblocked("P-REACH3", "en")
    assert await status(db) == PatientStatus.ACTIVE
    assert await pending(db) > 0  # the plan, rescheduled
    assert await chat_unblocked(db, clock, PATHWAY, chat_id=CHAT) is None  # already active


async def test_a_stranger_blocking_or_unblocking_stores_nothing(
    db: Database, clock: FakeClock
) -> None:
    assert await chat_blocked(db, clock, chat_id=4242, realert=REALERT) is None
    assert await chat_unblocked(db, clock, PATHWAY, chat_id=4242) is None
    assert await red_alerts(db) == []
