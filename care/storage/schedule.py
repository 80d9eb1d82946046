"""The storage side of the schedule: pathway occurrences become ``scheduled_messages`` rows.

The table is the durable truth (ARCHITECTURE "The schedule is data"): each patient's plan is
materialised a few days ahead (``extend_schedule``) and a periodic job keeps every active
patient ``horizon`` ahead (``extend_all``). No clock is read here: callers pass ``now``.
Nothing here commits: the caller's unit of work does.

Idempotence rests on the unique (patient_id, dedupe_key): inserting an occurrence that is
already there does nothing (``INSERT ... ON CONFLICT DO NOTHING`` on both dialects), except
for a row that was *cancelled* by a pause or a window change, which is revived with the new
time (``ON CONFLICT DO UPDATE ... WHERE state = 'cancelled'``). Rows already sent, skipped,
failed, or claimed by a worker are never touched.

Plan changes:

- pause, stop, delete, unreachable: ``cancel_pending`` (pending rows -> cancelled);
- resume or a new waking window: ``reschedule`` (future pending rows -> cancelled, the horizon
  reset to ``now``, the plan materialised again with the patient's current window).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from care.domain.clock import require_aware
from care.domain.kinds import PATHWAY_KINDS
from care.domain.pathway import Occurrence, Pathway, WakingWindow, occurrences
from care.storage.models import MessageState, Patient, PatientStatus, ScheduledMessage

DEFAULT_HORIZON = timedelta(days=3)
INSERT_CHUNK = 500  # rows per INSERT statement (well under SQLite's bound-parameter limit)
PATIENT_BATCH = 200  # patients per query in extend_all


def is_schedulable(patient: Patient, *, now: datetime) -> bool:
    """Whether the patient may get new rows now: active, enrolled, not paused until later."""
    if patient.status != PatientStatus.ACTIVE:
        return False
    if patient.surgery_date is None or patient.approach is None:
        return False
    return not (
        patient.paused_until is not None and patient.paused_until > _local_today(patient, now)
    )


def _plan(
    patient: Patient, pathway: Pathway, *, now: datetime, horizon: timedelta
) -> list[dict[str, Any]]:
    """The rows to add for one patient, and move ``scheduled_through`` on (no I/O)."""
    surgery_date, approach = patient.surgery_date, patient.approach
    if surgery_date is None or approach is None or not is_schedulable(patient, now=now):
        return []
    start = patient.scheduled_through or now
    end = now + horizon
    if end <= start:
        return []
    found = occurrences(
        pathway,
        surgery_date=surgery_date,
        approach=approach.value,
        zone=ZoneInfo(patient.timezone),
        window=WakingWindow(patient.waking_start, patient.waking_end),
        start=start,
        end=end,
    )
    patient.scheduled_through = end
    patient.updated_at = now
    return [_row(patient.id, occurrence, now) for occurrence in found]


async def extend_schedule(
    session: AsyncSession,
    patient: Patient,
    pathway: Pathway,
    *,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
) -> int:
    """Materialise the patient's occurrences up to ``now + horizon``; return the rows added.

    Starts where the last extension stopped (``patient.scheduled_through``), or at ``now``
    for a patient never scheduled. Only active patients get rows; a patient paused until a
    later date gets nothing until resumed. Calling it twice adds nothing the second time.
    """
    now = require_aware(now).astimezone(UTC)
    return await _insert_rows(session, _plan(patient, pathway, now=now, horizon=horizon))


async def cancel_pending(
    session: AsyncSession, patient_id: int, *, now: datetime, reason: str
) -> int:
    """Cancel every pending row of the patient (pause, stop, delete, unreachable); return how many.

    Rows a worker has already claimed are left to it: the dispatcher checks the patient's
    status at claim time and never sends to a patient who is no longer active.
    """
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.patient_id == patient_id,
            ScheduledMessage.state == MessageState.PENDING,
        )
        .values(state=MessageState.CANCELLED, last_error=_reason(reason), lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def reschedule(
    session: AsyncSession,
    patient: Patient,
    pathway: Pathway,
    *,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
) -> int:
    """Re-plan from ``now`` (a new waking window, or a resume); return the rows now pending ahead.

    Future pending rows of the pathway are cancelled, the horizon is reset to ``now`` and the
    plan is materialised again; occurrences that keep their dedupe key revive their cancelled
    row with the new time. Rows already due (``due_at < now``) are left as they are.
    """
    now = require_aware(now).astimezone(UTC)
    await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.patient_id == patient.id,
            ScheduledMessage.state == MessageState.PENDING,
            ScheduledMessage.kind.in_(PATHWAY_KINDS),
            ScheduledMessage.due_at >= now,
        )
        .values(state=MessageState.CANCELLED, last_error="rescheduled", lease_until=None)
        .execution_options(synchronize_session=False)
    )
    patient.scheduled_through = None
    patient.updated_at = now
    return await extend_schedule(session, patient, pathway, now=now, horizon=horizon)


async def upcoming(
    session: AsyncSession, patient_id: int, *, limit: int = 10
) -> list[ScheduledMessage]:
    """The patient's next pending messages, earliest first."""
    rows = await session.scalars(
        select(ScheduledMessage)
        .where(
            ScheduledMessage.patient_id == patient_id,
            ScheduledMessage.state == MessageState.PENDING,
        )
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .limit(limit)
    )
    return list(rows)


async def extend_all(
    session: AsyncSession,
    pathway: Pathway,
    *,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
    batch: int = PATIENT_BATCH,
) -> int:
    """Extend every active patient whose schedule ends before ``now + horizon``, in one
    transaction; return rows added. The periodic job uses ``extend_page`` and commits each page."""
    added, after_id = 0, 0
    while True:
        page_added, last_id = await extend_page(
            session, pathway, now=now, horizon=horizon, after_id=after_id, batch=batch
        )
        added += page_added
        if last_id is None:
            return added
        after_id = last_id


async def extend_page(
    session: AsyncSession,
    pathway: Pathway,
    *,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
    after_id: int = 0,
    batch: int = PATIENT_BATCH,
) -> tuple[int, int | None]:
    """Extend the next ``batch`` patients (by id, after ``after_id``) that need it.

    Returns the rows added and the last patient id read (None when there were none left).
    One INSERT for the whole page; the patients are let go of afterwards, so memory stays
    flat however many patients there are. Patients whose plan ended (surgery more than
    ``last_day`` days ago, two days of margin) are not read.
    """
    now = require_aware(now).astimezone(UTC)
    target = now + horizon
    # Two days of margin: local dates of patients in far zones differ from the UTC date.
    oldest_surgery: date = (now - timedelta(days=pathway.last_day + 2)).date()
    patients = list(
        await session.scalars(
            select(Patient)
            .where(
                Patient.id > after_id,
                Patient.status == PatientStatus.ACTIVE,
                Patient.surgery_date.is_not(None),
                Patient.surgery_date >= oldest_surgery,
                or_(Patient.scheduled_through.is_(None), Patient.scheduled_through < target),
            )
            .order_by(Patient.id)
            .limit(batch)
        )
    )
    if not patients:
        return 0, None
    rows = [row for p in patients for row in _plan(p, pathway, now=now, horizon=horizon)]
    added = await _insert_rows(session, rows)
    await session.flush()
    for patient in patients:
        session.expunge(patient)
    return added, patients[-1].id


async def _insert_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert (or revive) rows: one statement, executed for many rows at once (SQLAlchemy's
    "insertmanyvalues" batches them), compiled once and reused from the statement cache."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    result = await session.execute(_upsert(dialect), list(rows))
    return len(result.all())


def _upsert(dialect: str) -> ReturningInsert[tuple[int]]:
    """Insert occurrences; skip those already there; revive those cancelled by a plan change.

    The same statement on both dialects (PostgreSQL and SQLite both have ON CONFLICT and
    RETURNING): the returned ids are the rows actually inserted or revived.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ScheduledMessage)
    revived = {
        name: getattr(statement.excluded, name)
        for name in (
            "kind",
            "payload_key",
            "post_op_day",
            "local_date",
            "local_time",
            "timezone",
            "due_at",
            "state",
            "attempts",
            "lease_until",
            "claimed_by",
            "last_error",
        )
    }
    return statement.on_conflict_do_update(
        index_elements=[ScheduledMessage.patient_id, ScheduledMessage.dedupe_key],
        set_=revived,
        where=ScheduledMessage.state == MessageState.CANCELLED,
    ).returning(ScheduledMessage.id)


def _row(patient_id: int, occurrence: Occurrence, now: datetime) -> dict[str, Any]:
    return {
        "patient_id": patient_id,
        "kind": occurrence.kind,
        "payload_key": occurrence.payload_key,
        "dedupe_key": occurrence.dedupe_key,
        "post_op_day": occurrence.post_op_day,
        "local_date": occurrence.local_date,
        "local_time": occurrence.local_time,
        "timezone": occurrence.zone,
        "due_at": occurrence.due_at,
        "state": MessageState.PENDING,
        "attempts": 0,
        "lease_until": None,
        "claimed_by": None,
        "last_error": None,
        "created_at": now,
    }


def _local_today(patient: Patient, now: datetime) -> date:
    return now.astimezone(ZoneInfo(patient.timezone)).date()


def _reason(reason: str) -> str:
    return f"cancelled: {reason}"[:200]


def _rowcount(result: Any) -> int:
    count = getattr(result, "rowcount", None)
    return int(count) if isinstance(count, int) and count >= 0 else 0


__all__ = [
    "DEFAULT_HORIZON",
    "cancel_pending",
    "extend_all",
    "extend_page",
    "extend_schedule",
    "is_schedulable",
    "reschedule",
    "upcoming",
]
