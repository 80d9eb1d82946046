"""The patient's answers to a posture reminder: "done", or "later" (once more, an hour on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.errors import InvalidInput
from care.domain.kinds import MessageKind
from care.storage import audit
from care.storage.models import MessageState, Patient, ScheduledMessage

SNOOZE = timedelta(hours=1)


async def _own_reminder(
    session: AsyncSession, patient: Patient, message_id: int
) -> ScheduledMessage:
    row = await session.get(ScheduledMessage, message_id)
    if row is None or row.patient_id != patient.id or row.kind != MessageKind.POSTURE:
        raise InvalidInput("not this patient's posture reminder")
    return row


async def done(session: AsyncSession, patient: Patient, message_id: int, *, now: datetime) -> None:
    row = await _own_reminder(session, patient, message_id)
    audit.record(
        session,
        at=now,
        actor=f"patient:{patient.code}",
        action="posture.done",
        subject=patient.code,
        message_id=row.id,
    )


async def later(
    session: AsyncSession, patient: Patient, message_id: int, *, now: datetime
) -> datetime | None:
    """Send the same advice again after SNOOZE if still inside the waking window.

    Returns the new due time, or None when it would fall outside the window (or was already
    snoozed once): no reminder is ever sent in quiet hours.
    """
    row = await _own_reminder(session, patient, message_id)
    zone = ZoneInfo(patient.timezone)
    due = now + SNOOZE
    local = due.astimezone(zone)
    if not (patient.waking_start <= local.time() <= patient.waking_end) or row.dedupe_key.endswith(
        ":later"
    ):
        return None
    key = f"{row.dedupe_key}:later"
    exists = await session.scalar(
        select(ScheduledMessage.id).where(
            ScheduledMessage.patient_id == patient.id, ScheduledMessage.dedupe_key == key
        )
    )
    if exists is not None:
        return None
    session.add(
        ScheduledMessage(
            patient_id=patient.id,
            kind=MessageKind.POSTURE,
            payload_key=row.payload_key,
            dedupe_key=key,
            post_op_day=row.post_op_day,
            local_date=local.date(),
            local_time=local.time().replace(microsecond=0),
            timezone=patient.timezone,
            due_at=due.astimezone(UTC),
            state=MessageState.PENDING,
            attempts=0,
            created_at=now,
        )
    )
    audit.record(
        session,
        at=now,
        actor=f"patient:{patient.code}",
        action="posture.later",
        subject=patient.code,
        message_id=row.id,
    )
    return due
