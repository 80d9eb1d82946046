"""The posture reminder's "done" and "later", called directly on a real database."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput
from care.storage.db import Database
from care.storage.models import MessageState, ScheduledMessage
from care.usecases.posture import PostureAnswer, answer_posture_reminder
from tests.support.factories import add_patient
from tests.support.queries import audit_entries

CHAT = 8601


async def posture_reminder(db: Database, patient_id: int, now: datetime) -> int:
    async with db.uow() as uow:
        row = ScheduledMessage(
            patient_id=patient_id,
            kind="posture",
            payload_key="pathway.posture.sitting",
            dedupe_key="posture:day1:0900",
            post_op_day=1,
            local_date=now.date(),
            local_time=time(9, 0),
            timezone="Asia/Seoul",
            due_at=now,
            state=MessageState.SENT,
            attempts=1,
            created_at=now,
        )
        uow.session.add(row)
        await uow.commit()
        return row.id


async def snoozed(db: Database) -> list[ScheduledMessage]:
    async with db.session() as session:
        query = select(ScheduledMessage).where(ScheduledMessage.dedupe_key.endswith(":later"))
        return list(await session.scalars(query))


async def test_done_is_recorded_and_said_in_the_patients_language(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-POST01", now=clock.now(), chat_id=CHAT, language="en")
    reminder = await posture_reminder(db, patient_id, clock.now())

    answer = await answer_posture_reminder(db, clock, chat_id=CHAT, message_id=reminder, done=True)

    assert answer == PostureAnswer("en", "posture.done")
    assert [entry.subject for entry in await audit_entries(db, "posture.done")] == ["P-POST01"]
    assert await snoozed(db) == []


async def test_later_brings_it_back_in_an_hour_once_then_says_tomorrow(
    db: Database, clock: FakeClock
) -> None:
    # 09:00 in Seoul: an hour on is inside the waking window (08:00-21:00)
    patient_id = await add_patient(db, "P-POST02", now=clock.now(), chat_id=CHAT)
    reminder = await posture_reminder(db, patient_id, clock.now())

    first = await answer_posture_reminder(db, clock, chat_id=CHAT, message_id=reminder, done=False)
    assert first == PostureAnswer("ko", "posture.later")
    [again] = await snoozed(db)
    assert (again.state, again.local_time) == (MessageState.PENDING, time(10, 0))

    second = await answer_posture_reminder(db, clock, chat_id=CHAT, message_id=again.id, done=False)
    assert second == PostureAnswer("ko", "posture.later_tomorrow")  # snoozed once already
    assert len(await snoozed(db)) == 1


async def test_a_button_from_a_stranger_or_on_anothers_reminder_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    owner = await add_patient(db, "P-POST03", now=clock.now(), chat_id=CHAT)
    await add_patient(db, "P-POST04", now=clock.now(), chat_id=CHAT + 1)
    reminder = await posture_reminder(db, owner, clock.now())

    with pytest.raises(InvalidInput):
        await answer_posture_reminder(db, clock, chat_id=4242, message_id=reminder, done=True)
    with pytest.raises(InvalidInput):
        await answer_posture_reminder(db, clock, chat_id=CHAT + 1, message_id=reminder, done=False)
    assert await audit_entries(db, "posture.done") == []
    assert await snoozed(db) == []
