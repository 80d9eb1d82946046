"""A broadcast never wakes a patient: deliveries wait for each patient's waking window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from care.storage.db import Database
from care.storage.models import Patient, ScheduledMessage
from tests.support.factories import add_broadcast, add_patients

NIGHT_IN_SEOUL = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 23:00 in Seoul
NEXT_MORNING = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 08:00 in Seoul


async def test_a_broadcast_at_night_is_due_when_each_patient_wakes(db: Database) -> None:
    ids = await add_patients(
        db, 2, now=NIGHT_IN_SEOUL, first_chat=7100, surgery_date=date(2026, 11, 25)
    )
    async with db.uow() as uow:
        night_owl = await uow.session.get_one(Patient, ids[1])
        night_owl.waking_start, night_owl.waking_end = time(10), time(23, 30)
        await uow.commit()
    broadcast = await add_broadcast(
        db, now=NIGHT_IN_SEOUL, text_ko="내일 휴진합니다.", text_en="The clinic is closed tomorrow."
    )
    async with db.session() as session:
        rows = (
            await session.scalars(
                select(ScheduledMessage)
                .where(ScheduledMessage.broadcast_id == broadcast.id)
                .order_by(ScheduledMessage.patient_id)
            )
        ).all()
    assert [row.due_at for row in rows] == [NEXT_MORNING, NIGHT_IN_SEOUL]
    assert rows[0].local_time == time(8)
