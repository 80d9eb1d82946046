"""Helpers for the scheduler tests: patients, a recording messenger, a Seoul wall clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from care.domain.callbacks import decode
from care.domain.messaging import Delivery, Keyboard, Outcome, OutgoingMessage
from care.domain.plan import Approach
from care.storage.db import Database, in_unit_of_work
from care.storage.models import (
    DeliveryAttempt,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware UTC instant from a Seoul wall-clock time."""
    return datetime.combine(day, time(hour, minute), SEOUL).astimezone(UTC)


async def add_patient(
    db: Database,
    *,
    code: str = "P0001",
    chat_id: int | None = 1001,
    surgery_date: date,
    now: datetime,
    approach: Approach = Approach.INTERLAMINAR,
    status: PatientStatus = PatientStatus.ACTIVE,
    language: str = "ko",
    timezone: str = "Asia/Seoul",
    waking: tuple[time, time] = (time(8, 0), time(21, 0)),
) -> int:
    async with db.uow() as uow:
        patient = Patient(
            code=code,
            chat_id=chat_id,
            language=language,
            timezone=timezone,
            surgery_date=surgery_date,
            approach=approach,
            status=status,
            waking_start=waking[0],
            waking_end=waking[1],
            created_at=now,
            updated_at=now,
        )
        uow.session.add(patient)
        await uow.session.flush()
        patient_id = patient.id
        await uow.commit()
    return patient_id


async def add_patients(db: Database, count: int, *, surgery_date: date, now: datetime) -> None:
    """Many patients at once (chat ids 10_000 + n), for the throughput tests."""
    async with db.uow() as uow:
        for n in range(count):
            uow.session.add(
                Patient(
                    code=f"Q{n:05d}",
                    chat_id=10_000 + n,
                    language="ko" if n % 2 else "en",
                    timezone="Asia/Seoul",
                    surgery_date=surgery_date,
                    approach=Approach.INTERLAMINAR,
                    status=PatientStatus.ACTIVE,
                    waking_start=time(8, 0),
                    waking_end=time(21, 0),
                    created_at=now,
                    updated_at=now,
                )
            )
        await uow.commit()


async def add_due_messages(
    db: Database, count: int, *, patients: int, due_at: datetime
) -> list[int]:
    """`count` due check-ins spread over the first `patients` patients (ids from 1)."""
    local = due_at.astimezone(SEOUL)
    async with db.uow() as uow:
        ids = list(await uow.session.scalars(select(Patient.id).order_by(Patient.id)))[:patients]
        rows = [
            ScheduledMessage(
                patient_id=ids[n % len(ids)],
                kind="checkin",
                payload_key="checkin",
                dedupe_key=f"load:{n}",
                post_op_day=5,
                local_date=local.date(),
                local_time=local.time().replace(tzinfo=None),
                timezone="Asia/Seoul",
                due_at=due_at,
                state=MessageState.PENDING,
                attempts=0,
                created_at=due_at,
            )
            for n in range(count)
        ]
        uow.session.add_all(rows)
        await uow.session.flush()
        message_ids = [row.id for row in rows]
        await uow.commit()
    return message_ids


async def rows(db: Database, patient_id: int | None = None) -> list[ScheduledMessage]:
    async with db.session() as session:
        query = select(ScheduledMessage).order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        if patient_id is not None:
            query = query.where(ScheduledMessage.patient_id == patient_id)
        return list(await session.scalars(query))


async def states(db: Database) -> Counter[str]:
    async with db.session() as session:
        found = await session.execute(
            select(ScheduledMessage.state, func.count()).group_by(ScheduledMessage.state)
        )
        return Counter({MessageState(state).value: count for state, count in found.all()})


async def attempts(db: Database, message_id: int) -> list[DeliveryAttempt]:
    async with db.session() as session:
        return list(
            await session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.scheduled_message_id == message_id)
                .order_by(DeliveryAttempt.id)
            )
        )


async def patient(db: Database, patient_id: int) -> Patient:
    async with db.session() as session:
        found = await session.get(Patient, patient_id)
        assert found is not None
        return found


Script = Callable[[OutgoingMessage], Delivery]


class RecordingMessenger:
    """A Messenger that records what it is asked to send; a script may answer otherwise.

    It also counts the calls made inside an open unit of work (``inside_transaction``); every
    one made in a test is checked at its end (tests/schedule/conftest.py): none may be.
    """

    made: ClassVar[list[RecordingMessenger]] = []  # this test's messengers

    def __init__(self, script: Script | None = None, *, pause: float = 0.0) -> None:
        self.sent: list[OutgoingMessage] = []
        self.script = script
        self.pause = pause
        self._next_id = 0
        self.inside_transaction = 0
        RecordingMessenger.made.append(self)

    def note_call(self) -> None:
        self.inside_transaction += in_unit_of_work()

    async def send(self, message: OutgoingMessage) -> Delivery:
        self.note_call()
        if self.pause:
            await asyncio.sleep(self.pause)  # lets concurrent workers interleave
        if self.script is not None:
            delivery = self.script(message)
            if delivery.outcome != Outcome.SENT:
                return delivery
        self._next_id += 1
        self.sent.append(message)
        return Delivery(Outcome.SENT, message_id=self._next_id)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = ()
    ) -> Delivery:
        self.note_call()
        return Delivery(Outcome.SENT, message_id=message_id)

    def to(self, chat_id: int) -> list[OutgoingMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]


def message_ids(keyboards: Sequence[Keyboard]) -> list[int]:
    """The scheduled-message ids in "pdone"/"ci" buttons: which row each sent message was."""
    found: list[int] = []
    for keyboard in keyboards:
        for row in keyboard:
            for button in row:
                callback = decode(button.data)
                if callback.action in ("pdone", "ci"):
                    found.append(callback.arg_int(0))
    return found
