"""Patients who stop answering: one nudge for a missed check-in, an alert after two in a row.

CLINICAL.md: "A patient who stops answering is itself a signal: two missed check-ins in a
row alert the coordinators." A check-in prompt counts as answered when a check-in is
completed between its sending and the next prompt; it counts as missed once
``MISSED_AFTER`` has passed without that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import utc_from_db
from care.domain.kinds import AlertSource, MessageKind
from care.domain.plan import next_waking_instant
from care.storage import alerts
from care.storage.models import (
    Alert,
    CheckIn,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)

NUDGE_PAYLOAD = "nudge"
NUDGE_AFTER = timedelta(hours=3)
MISSED_AFTER = timedelta(hours=12)


def is_prompt(row: ScheduledMessage) -> bool:
    return row.kind == MessageKind.CHECKIN and row.payload_key != NUDGE_PAYLOAD


async def _prompts(
    session: AsyncSession, patient_id: int, limit: int = 3
) -> list[ScheduledMessage]:
    """The patient's latest sent check-in prompts (not nudges), newest first."""
    rows = await session.scalars(
        select(ScheduledMessage)
        .where(
            ScheduledMessage.patient_id == patient_id,
            ScheduledMessage.kind == MessageKind.CHECKIN,
            ScheduledMessage.payload_key != NUDGE_PAYLOAD,
            ScheduledMessage.state == MessageState.SENT,
        )
        .order_by(ScheduledMessage.sent_at.desc())
        .limit(limit)
    )
    return list(rows)


async def _answered(
    session: AsyncSession, patient_id: int, start: datetime, end: datetime | None
) -> bool:
    query = select(func.count()).where(
        CheckIn.patient_id == patient_id,
        CheckIn.completed_at.is_not(None),
        CheckIn.completed_at >= start,
    )
    if end is not None:
        query = query.where(CheckIn.completed_at < end)
    return bool(await session.scalar(query))


async def review_patient(session: AsyncSession, patient: Patient, *, now: datetime) -> str | None:
    """Nudge or alert for one patient; returns "nudged", "alerted" or None."""
    prompts = await _prompts(session, patient.id)
    if not prompts or prompts[0].sent_at is None:
        return None
    latest = prompts[0]
    assert latest.sent_at is not None
    if await _answered(session, patient.id, latest.sent_at, None):
        return None
    waited = now - latest.sent_at
    if len(prompts) >= 2 and waited >= MISSED_AFTER:
        earlier = prompts[1]
        assert earlier.sent_at is not None
        if not await _answered(session, patient.id, earlier.sent_at, latest.sent_at):
            already = await session.scalar(
                select(func.count()).where(
                    Alert.patient_id == patient.id,
                    Alert.source == AlertSource.MISSED_CHECKINS,
                    Alert.created_at >= latest.sent_at,
                )
            )
            if not already:
                await alerts.open_alert(
                    session,
                    patient=patient,
                    severity="amber",
                    source=AlertSource.MISSED_CHECKINS,
                    reasons=["two_missed_checkins"],
                    now=now,
                )
                return "alerted"
    if waited >= NUDGE_AFTER and await _nudge(session, patient, latest, now=now):
        return "nudged"
    return None


async def _nudge(
    session: AsyncSession, patient: Patient, prompt: ScheduledMessage, *, now: datetime
) -> bool:
    """Queue one nudge for the prompt (never a second one); True if queued now."""
    due = next_waking_instant(now, patient.timezone, patient.waking_start, patient.waking_end)
    local = due.astimezone(ZoneInfo(patient.timezone))
    values: dict[str, Any] = {
        "patient_id": patient.id,
        "kind": MessageKind.CHECKIN,
        "payload_key": NUDGE_PAYLOAD,
        "dedupe_key": f"nudge:{prompt.dedupe_key}",
        "post_op_day": prompt.post_op_day,
        "local_date": local.date(),
        "local_time": local.time().replace(microsecond=0),
        "timezone": patient.timezone,
        "due_at": due.astimezone(UTC),
        "state": MessageState.PENDING,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ScheduledMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["patient_id", "dedupe_key"])
        .returning(ScheduledMessage.id)
    )
    return (await session.execute(statement)).first() is not None


async def _waiting_past_nudge(
    session: AsyncSession, patient_ids: list[int], *, now: datetime
) -> set[int]:
    """Of these patients, those whose latest prompt went out over ``NUDGE_AFTER`` ago and
    has no check-in completed since: the only ones ``review_patient`` can act on. Two
    queries a page instead of several a patient."""
    if not patient_ids:
        return set()
    latest_prompt: dict[int, datetime | None] = {
        patient_id: at
        for patient_id, at in await session.execute(
            select(ScheduledMessage.patient_id, func.max(ScheduledMessage.sent_at))
            .where(
                ScheduledMessage.patient_id.in_(patient_ids),
                ScheduledMessage.kind == MessageKind.CHECKIN,
                ScheduledMessage.payload_key != NUDGE_PAYLOAD,
                ScheduledMessage.state == MessageState.SENT,
            )
            .group_by(ScheduledMessage.patient_id)
        )
    }
    last_completed: dict[int, datetime | None] = {
        patient_id: at
        for patient_id, at in await session.execute(
            select(CheckIn.patient_id, func.max(CheckIn.completed_at))
            .where(CheckIn.patient_id.in_(patient_ids), CheckIn.completed_at.is_not(None))
            .group_by(CheckIn.patient_id)
        )
    }
    waiting: set[int] = set()
    for patient_id, value in latest_prompt.items():
        sent_at = utc_from_db(value)
        if sent_at is None or now - sent_at < NUDGE_AFTER:
            continue
        completed = utc_from_db(last_completed.get(patient_id))
        if completed is None or completed < sent_at:
            waiting.add(patient_id)
    return waiting


async def review_page(
    session: AsyncSession, *, now: datetime, after_id: int = 0, batch: int = 200
) -> tuple[dict[str, int], int | None]:
    """Review the next ``batch`` active patients after ``after_id`` (a periodic job, a
    transaction per page); the counts of nudges and alerts, and the last id read or None."""
    counts = {"nudged": 0, "alerted": 0}
    page = (
        await session.scalars(
            select(Patient)
            .where(Patient.status == PatientStatus.ACTIVE, Patient.id > after_id)
            .order_by(Patient.id)
            .limit(batch)
        )
    ).all()
    waiting = await _waiting_past_nudge(session, [p.id for p in page], now=now)
    for patient in page:
        if patient.id not in waiting:
            continue
        outcome = await review_patient(session, patient, now=now)
        if outcome is not None:
            counts[outcome] += 1
    return counts, (page[-1].id if page else None)
