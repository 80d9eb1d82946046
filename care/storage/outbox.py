"""The outbox: claiming due scheduled messages and recording what became of them.

Every statement a worker runs against ``scheduled_messages`` is here, each under a named
header saying what it does and what it guarantees (procrastinate's ``queries.sql``, in
SQLAlchemy Core so the same code runs on PostgreSQL and SQLite).

A row moves ``pending -> claimed -> sent | skipped | failed | cancelled``; a claimed row
whose lease ran out is claimable again, and a retried one goes back to ``pending`` with a
later ``due_at``. Every outcome also appends a ``delivery_attempts`` row.

The duplicate bound
-------------------
Telegram has no idempotency key: a message whose answer never came back may or may not
have been delivered. Such a row is **in doubt** (``in_doubt``): its worker died or stalled
holding the claim (``claim_due`` marks it when it takes the row back after the lease ran
out), or the send timed out after the request went out (the dispatcher marks it,
``release_for_retry(in_doubt=True)``). A row in doubt is re-sent at most once:
``start_resend`` records the re-send (``resend_started``) in its own transaction before the
request, and the dispatcher confirms it right after the answer. If that re-send's answer is
lost too (another timeout, or its worker dies as well), the row is settled as sent
"maybe" (``mark_maybe_sent``): never sent a third time, and never reported to the care
team as undelivered. A re-send that definitely did not go out (a 5xx, a 429, a refused
connection) clears ``resend_started``. So **every message reaches Telegram at most twice**,
whatever the number of deaths, timeouts or outages; copies happen only for rows in doubt,
which are at most the claimed-but-unconfirmed rows of a dead worker (one batch, 50) and the
sends whose answers were lost.

The price: a row is settled "maybe sent" although nothing went out when both answers were
lost and neither request had reached Telegram (refused, then the connection dropped, twice),
or when a first worker dies before sending it and the re-sender dies in the milliseconds
between recording its re-send and Telegram receiving the request. The drills
(tests/schedule/test_dispatch_crash.py, test_faults_drill.py, ``make bench``) count such
rows as lost.

Confirmations that fail (the database is down) are kept by the dispatcher and written
before it claims anything else, so a batch is never sent again for want of a confirmation.
Two live workers never share a row: the claim is one statement that skips rows locked by
another claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import require_aware
from care.domain.kinds import MessageKind
from care.domain.pathway import wall_clock_to_utc
from care.storage.models import (
    DeliveryAttempt,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)

MAYBE_SENT = "maybe_sent"


@dataclass(frozen=True)
class ClaimedMessage:
    """A scheduled message a worker holds under lease, with what sending it needs."""

    id: int
    patient_id: int
    kind: MessageKind
    payload_key: str
    post_op_day: int | None
    local_date: date
    local_time: time
    timezone: str
    due_at: datetime
    attempts: int  # claims so far, this one included
    lease_until: datetime
    claimed_by: str
    broadcast_id: int | None
    chat_id: int | None
    language: str
    patient_code: str
    patient_status: PatientStatus
    in_doubt: bool = False  # an earlier send may have reached Telegram
    resend_started: bool = False  # a re-send began and its answer was never recorded

    @classmethod
    def from_row(cls, row: Any, patient: Any) -> ClaimedMessage:
        return cls(
            id=row.id,
            patient_id=row.patient_id,
            kind=MessageKind(row.kind),
            payload_key=row.payload_key,
            post_op_day=row.post_op_day,
            local_date=row.local_date,
            local_time=row.local_time,
            timezone=row.timezone,
            due_at=row.due_at,
            attempts=row.attempts,
            lease_until=row.lease_until,
            claimed_by=row.claimed_by,
            broadcast_id=row.broadcast_id,
            chat_id=patient.chat_id,
            language=patient.language,
            patient_code=patient.code,
            patient_status=PatientStatus(patient.status),
            in_doubt=bool(row.in_doubt),
            resend_started=bool(row.resend_started),
        )

    @property
    def planned_at(self) -> datetime:
        """When the plan meant it to arrive (``due_at`` moves on a retry; this does not)."""
        return wall_clock_to_utc(self.local_date, self.local_time, ZoneInfo(self.timezone))

    def lateness(self, now: datetime) -> timedelta:
        return now - self.planned_at


# -- claim_due ----------------------------------------------------------------------------
# Take up to `batch` due rows for `worker`: pending rows whose time has come, and claimed
# rows whose lease ran out (their worker died or stalled). One statement: the CTE picks the
# rows, earliest first, locking them and skipping rows another worker's claim has locked
# (FOR UPDATE SKIP LOCKED), and the UPDATE marks them claimed with a lease, counting the
# attempt; a row taken back from an expired lease is marked in doubt (its worker may have
# sent it before dying). Two workers on one PostgreSQL database therefore never claim the same row.
# SQLite has no row locks and SQLAlchemy renders no FOR UPDATE there: the statement is still
# one write transaction, and SQLite runs one writer at a time.
async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    batch: int,
    lease: timedelta,
) -> list[ClaimedMessage]:
    now = require_aware(now).astimezone(UTC)
    due = (
        select(ScheduledMessage.id)
        .where(
            or_(
                and_(
                    ScheduledMessage.state == MessageState.PENDING,
                    ScheduledMessage.due_at <= now,
                ),
                and_(
                    ScheduledMessage.state == MessageState.CLAIMED,
                    ScheduledMessage.lease_until < now,
                ),
            )
        )
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    claimed = (
        await session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.id.in_(select(due.c.id)))
            .values(
                state=MessageState.CLAIMED,
                lease_until=now + lease,
                claimed_by=worker,
                attempts=ScheduledMessage.attempts + 1,
                in_doubt=case(
                    (ScheduledMessage.state == MessageState.CLAIMED, True),
                    else_=ScheduledMessage.in_doubt,
                ),
            )
            .returning(*ScheduledMessage.__table__.columns)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not claimed:
        return []
    patients = {
        patient.id: patient
        for patient in (
            await session.execute(
                select(
                    Patient.id, Patient.chat_id, Patient.language, Patient.code, Patient.status
                ).where(Patient.id.in_({row.patient_id for row in claimed}))
            )
        ).all()
    }
    messages = [ClaimedMessage.from_row(row, patients[row.patient_id]) for row in claimed]
    return sorted(messages, key=lambda message: (message.due_at, message.id))


# -- extend_leases -----------------------------------------------------------------------
# A live worker still busy with its batch (Telegram slow, a long retry_after inside the rate
# limiter) keeps its claims: the lease of its still-claimed rows moves to `until`. Only a
# dead worker's leases run out, so only a dead worker's batch is ever claimed twice.
async def extend_leases(
    session: AsyncSession, message_ids: Sequence[int], *, worker: str, until: datetime
) -> int:
    if not message_ids:
        return 0
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.id.in_(message_ids),
            ScheduledMessage.state == MessageState.CLAIMED,
            ScheduledMessage.claimed_by == worker,
        )
        .values(lease_until=require_aware(until))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- mark_sent ----------------------------------------------------------------------------
# Telegram accepted the messages: record each one's Telegram message id and time, in one
# UPDATE (and one INSERT of attempt rows) for a group of them. This is the truth whatever
# happened to a row meanwhile (a lost lease, a cancellation during the send), so it is
# written unless the row is already sent; the ids returned are the rows marked now, and a
# message missing from them went out twice (the duplicate bound above).
@dataclass(frozen=True)
class Sent:
    message_id: int
    telegram_message_id: int | None
    at: datetime


async def mark_sent_many(session: AsyncSession, sent: Sequence[Sent], *, worker: str) -> set[int]:
    if not sent:
        return set()
    ids = [item.message_id for item in sent]
    marked = await session.scalars(
        update(ScheduledMessage)
        .where(ScheduledMessage.id.in_(ids), ScheduledMessage.state != MessageState.SENT)
        .values(
            state=MessageState.SENT,
            telegram_message_id=case(
                {item.message_id: item.telegram_message_id for item in sent},
                value=ScheduledMessage.id,
            ),
            sent_at=case({item.message_id: item.at for item in sent}, value=ScheduledMessage.id),
            lease_until=None,
            claimed_by=worker,
            last_error=None,
        )
        .returning(ScheduledMessage.id)
        .execution_options(synchronize_session=False)
    )
    first = set(marked)
    await session.execute(
        insert(DeliveryAttempt),
        [
            {
                "scheduled_message_id": item.message_id,
                "attempted_at": item.at,
                "outcome": "sent" if item.message_id in first else "resent",
                "error_code": None,
                "detail": None,
            }
            for item in sent
        ],
    )
    return first


async def mark_sent(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    now: datetime,
    telegram_message_id: int | None,
) -> bool:
    """``mark_sent_many`` for one message: False if it was already marked sent."""
    marked = await mark_sent_many(
        session, [Sent(message_id, telegram_message_id, now)], worker=worker
    )
    return message_id in marked


# -- mark_skipped -------------------------------------------------------------------------
# Deliberately not sent (a posture reminder too late to be useful): recorded as skipped,
# with the reason. Only the worker holding the claim may do it.
async def mark_skipped(
    session: AsyncSession, message_id: int, *, worker: str, now: datetime, reason: str
) -> bool:
    changed = await _settle(
        session, message_id, worker, state=MessageState.SKIPPED, last_error=reason
    )
    _attempt(session, message_id, now=now, outcome="skipped", detail=reason)
    return changed


# -- mark_cancelled -----------------------------------------------------------------------
# Not sent because the patient is no longer active (paused, stopped, deleted, unreachable)
# at claim time. Only the worker holding the claim may do it.
async def mark_cancelled(
    session: AsyncSession, message_id: int, *, worker: str, now: datetime, reason: str
) -> bool:
    changed = await _settle(
        session, message_id, worker, state=MessageState.CANCELLED, last_error=reason
    )
    _attempt(session, message_id, now=now, outcome="cancelled", detail=reason)
    return changed


# -- mark_failed --------------------------------------------------------------------------
# Given up: Telegram refused it for good, or transient errors outlasted the retries. The
# caller also tells the coordinators. Only the worker holding the claim may do it.
async def mark_failed(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    now: datetime,
    outcome: str,
    error_code: int | None = None,
    detail: str | None = None,
) -> bool:
    changed = await _settle(
        session, message_id, worker, state=MessageState.FAILED, last_error=detail or outcome
    )
    _attempt(session, message_id, now=now, outcome=outcome, error_code=error_code, detail=detail)
    return changed


# -- release_for_retry --------------------------------------------------------------------
# Back to pending, due again at `not_before` (Telegram's retry_after on a 429, a backoff
# after a network error or 5xx). With count_attempt=False (a 429: our pace, not the
# message's fault) the claim's attempt is given back, so flood control never uses up the
# retries. With in_doubt=True (the answer never came) the row is marked in doubt. A re-send
# released here did not go out, so ``resend_started`` is cleared. Only the worker holding
# the claim may do it.
async def release_for_retry(
    session: AsyncSession,
    message_id: int,
    *,
    worker: str,
    now: datetime,
    not_before: datetime,
    outcome: str,
    count_attempt: bool = True,
    error_code: int | None = None,
    detail: str | None = None,
    in_doubt: bool = False,
) -> bool:
    result = await session.execute(
        update(ScheduledMessage)
        .where(*_held_by(message_id, worker))
        .values(
            state=MessageState.PENDING,
            due_at=require_aware(not_before),
            lease_until=None,
            claimed_by=None,
            attempts=ScheduledMessage.attempts - (0 if count_attempt else 1),
            last_error=(detail or outcome)[:200],
            in_doubt=True if in_doubt else ScheduledMessage.in_doubt,
            resend_started=False,
        )
        .execution_options(synchronize_session=False)
    )
    _attempt(session, message_id, now=now, outcome=outcome, error_code=error_code, detail=detail)
    return _changed(result)


# -- start_resend -------------------------------------------------------------------------
# About to send a row in doubt again: recorded, and committed, before the request, so that a
# worker taking the row over after this one dies knows a second copy may be out. False if
# the row is no longer held by `worker` or a re-send was already started (send nothing).
async def start_resend(session: AsyncSession, message_id: int, *, worker: str) -> bool:
    result = await session.execute(
        update(ScheduledMessage)
        .where(*_held_by(message_id, worker), ScheduledMessage.resend_started.is_(False))
        .values(resend_started=True)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


# -- mark_maybe_sent ------------------------------------------------------------------------
# A row in doubt whose re-send's answer was lost too: it reached Telegram at least once in
# all likelihood, at most twice. Settled as sent (no Telegram message id), never sent again
# and never reported as failed. Only the worker holding the claim may do it.
async def mark_maybe_sent(
    session: AsyncSession, message_id: int, *, worker: str, now: datetime, detail: str
) -> bool:
    result = await session.execute(
        update(ScheduledMessage)
        .where(*_held_by(message_id, worker))
        .values(
            state=MessageState.SENT,
            sent_at=require_aware(now),
            lease_until=None,
            last_error=MAYBE_SENT,
        )
        .execution_options(synchronize_session=False)
    )
    _attempt(session, message_id, now=now, outcome=MAYBE_SENT, detail=detail)
    return _changed(result)


# -- release_own ----------------------------------------------------------------------------
# A live worker gives back rows it claimed and never sent (its batch stopped when the
# database went away): pending again at once, the claim's attempt given back, not in doubt,
# and a re-send recorded by start_resend but never made is forgotten.
async def release_own(session: AsyncSession, message_ids: Sequence[int], *, worker: str) -> int:
    if not message_ids:
        return 0
    result = await session.execute(
        update(ScheduledMessage)
        .where(
            ScheduledMessage.id.in_(message_ids),
            ScheduledMessage.state == MessageState.CLAIMED,
            ScheduledMessage.claimed_by == worker,
        )
        .values(
            state=MessageState.PENDING,
            lease_until=None,
            claimed_by=None,
            attempts=ScheduledMessage.attempts - 1,
            resend_started=False,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _settle(
    session: AsyncSession, message_id: int, worker: str, *, state: MessageState, last_error: str
) -> bool:
    result = await session.execute(
        update(ScheduledMessage)
        .where(*_held_by(message_id, worker))
        .values(state=state, lease_until=None, last_error=last_error[:200])
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


def _held_by(message_id: int, worker: str) -> tuple[Any, ...]:
    return (
        ScheduledMessage.id == message_id,
        ScheduledMessage.state == MessageState.CLAIMED,
        ScheduledMessage.claimed_by == worker,
    )


def _attempt(
    session: AsyncSession,
    message_id: int,
    *,
    now: datetime,
    outcome: str,
    error_code: int | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        DeliveryAttempt(
            scheduled_message_id=message_id,
            attempted_at=now,
            outcome=outcome[:16],
            error_code=error_code,
            detail=detail[:200] if detail else None,
        )
    )


def _changed(result: Any) -> bool:
    return bool(getattr(result, "rowcount", 0))
