"""Missed check-ins: one nudge inside waking hours; two in a row alert the coordinators."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from care.domain.plan import Approach
from care.storage import adherence
from care.storage.db import Database
from care.storage.models import (
    Alert,
    CheckIn,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)

SURGERY = date(2026, 11, 20)
T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # 19:00 in Seoul, inside 08:00-21:00


async def patient(db: Database, code: str = "P-ADHERE", chat_id: int = 4242) -> Patient:
    async with db.uow() as uow:
        row = Patient(
            code=code,
            chat_id=chat_id,
            language="ko",
            timezone="Asia/Seoul",
            surgery_date=SURGERY,
            approach=Approach.INTERLAMINAR,
            status=PatientStatus.ACTIVE,
            waking_start=time(8),
            waking_end=time(21),
            created_at=T0,
            updated_at=T0,
        )
        uow.session.add(row)
        await uow.commit()
    return row


async def sent_prompt(db: Database, who: Patient, day: int, at: datetime) -> None:
    async with db.uow() as uow:
        uow.session.add(
            ScheduledMessage(
                patient_id=who.id,
                kind="checkin",
                payload_key="checkin",
                dedupe_key=f"checkin:{day}",
                post_op_day=day,
                local_date=SURGERY,
                local_time=time(19),
                timezone="Asia/Seoul",
                due_at=at,
                state=MessageState.SENT,
                attempts=1,
                sent_at=at,
                created_at=at,
            )
        )
        await uow.commit()


async def review(db: Database, who: Patient, now: datetime) -> str | None:
    """The periodic review of a page of patients (here: only ``who``); what it did to them."""
    async with db.uow() as uow:
        counts, last = await adherence.review_page(uow.session, now=now)
        await uow.commit()
    assert last == who.id
    done = [outcome for outcome, count in counts.items() if count]
    assert len(done) <= 1
    return done[0] if done else None


async def nudges(db: Database) -> list[ScheduledMessage]:
    async with db.session() as session:
        query = select(ScheduledMessage).where(ScheduledMessage.payload_key == "nudge")
        return list((await session.scalars(query)).all())


async def test_a_check_in_unanswered_for_three_hours_gets_one_nudge(db: Database) -> None:
    who = await patient(db)
    await sent_prompt(db, who, 1, T0 - timedelta(hours=1))
    assert await review(db, who, T0) is None
    assert await review(db, who, T0 + timedelta(hours=2)) == "nudged"
    assert await review(db, who, T0 + timedelta(hours=3)) is None
    assert len(await nudges(db)) == 1


async def test_a_nudge_waits_for_the_morning_when_it_falls_in_quiet_hours(db: Database) -> None:
    who = await patient(db)
    night = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 23:00 in Seoul
    await sent_prompt(db, who, 1, night - timedelta(hours=4))
    assert await review(db, who, night) == "nudged"
    [nudge] = await nudges(db)
    assert nudge.due_at == datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # 08:00 the next day
    assert nudge.local_time == time(8)


async def test_an_answered_check_in_is_neither_nudged_nor_counted(db: Database) -> None:
    who = await patient(db)
    await sent_prompt(db, who, 1, T0)
    async with db.uow() as uow:
        uow.session.add(
            CheckIn(patient_id=who.id, started_at=T0, completed_at=T0 + timedelta(minutes=5))
        )
        await uow.commit()
    assert await review(db, who, T0 + timedelta(hours=20)) is None


async def test_two_missed_check_ins_in_a_row_alert_the_coordinators_once(db: Database) -> None:
    who = await patient(db)
    await sent_prompt(db, who, 1, T0)
    await sent_prompt(db, who, 2, T0 + timedelta(days=1))
    later = T0 + timedelta(days=1, hours=13)
    assert await review(db, who, later) == "alerted"
    assert await review(db, who, later + timedelta(hours=1)) != "alerted"
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(Alert).where(Alert.source == "missed_checkins")
        )
        alert = await session.scalar(select(Alert))
    assert count == 1
    assert alert is not None and alert.severity == "amber"


async def test_a_page_nudges_only_the_patients_still_waiting(db: Database) -> None:
    quiet = await patient(db)
    answered = await patient(db, "P-ANSWER", 4343)
    for who in (quiet, answered):
        await sent_prompt(db, who, 1, T0 - timedelta(hours=4))
    async with db.uow() as uow:
        uow.session.add(CheckIn(patient_id=answered.id, started_at=T0, completed_at=T0))
        await uow.commit()

    async with db.uow() as uow:
        counts, _ = await adherence.review_page(uow.session, now=T0)
        await uow.commit()

    assert counts == {"nudged": 1, "alerted": 0}
    assert [n.patient_id for n in await nudges(db)] == [quiet.id]
