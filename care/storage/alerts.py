"""Alerts to the care team: opened, posted, re-escalated, acknowledged, called.

An alert is ``open`` until a coordinator acknowledges it (or records the call). Posting is
the scheduler's job (``scheduler/escalation.py``, through ``care/storage/alert_posting.py``):
``due_notifications`` lists what to post now, ``record_posted`` notes that it went out. A
red alert left open is posted again after ``realert`` and then, ``realert`` later, to the
escalation contacts; amber is posted once.

Escalation levels: 0 never posted; 1 posted to the coordinators; 2 re-posted to them;
3 posted to the escalation contacts (the last level).
Every change is written to the audit log (ids and states, never clinical text).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Select, and_, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.kinds import AlertSource
from care.storage import audit
from care.storage.models import Alert, AlertState, Patient

Severity = Literal["red", "amber"]

DEFAULT_REALERT = timedelta(minutes=15)
LAST_LEVEL = 3  # coordinators, coordinators again, escalation contacts


async def open_alert(
    session: AsyncSession,
    *,
    patient: Patient,
    severity: Severity,
    source: AlertSource,
    flags: Sequence[int] = (),
    reasons: Sequence[str] = (),
    now: datetime,
    realert: timedelta = DEFAULT_REALERT,
    checkin_id: int | None = None,
    inbound_message_id: int | None = None,
) -> Alert:
    """Open an alert, or return the open one of the same source for this patient.

    A red alert is due for re-escalation ``realert`` after it opens unless acknowledged.
    """
    existing = await session.scalar(
        select(Alert)
        .where(
            Alert.patient_id == patient.id,
            Alert.source == source,
            Alert.state == AlertState.OPEN,
        )
        .order_by(Alert.id)
        .limit(1)
    )
    if existing is not None:
        if severity == "red" and existing.severity != "red":
            # A red sign never hides behind an open amber alert: it becomes red and is
            # posted again at once, with re-escalation.
            existing.severity = "red"
            existing.flags = sorted({*existing.flags, *flags})
            existing.reasons = [*existing.reasons, *reasons]
            existing.escalation_level = 0
            existing.next_escalation_at = now + realert
            existing.checkin_id = checkin_id or existing.checkin_id
            audit.record(
                session,
                at=now,
                actor="system",
                action="alert_upgraded",
                subject=patient.code,
                alert_id=existing.id,
                severity="red",
                source=source,
            )
        return existing
    alert = Alert(
        patient_id=patient.id,
        severity=severity,
        source=source,
        flags=list(flags),
        reasons=list(reasons),
        state=AlertState.OPEN,
        created_at=now,
        escalation_level=0,
        next_escalation_at=now + realert if severity == "red" else None,
        checkin_id=checkin_id,
        inbound_message_id=inbound_message_id,
    )
    session.add(alert)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor="system",
        action="alert_opened",
        subject=patient.code,
        alert_id=alert.id,
        severity=severity,
        source=source,
        flags=list(flags),
    )
    return alert


async def acknowledge(
    session: AsyncSession, alert_id: int, *, by_user: int, now: datetime
) -> Alert | None:
    """A coordinator has it: record who and when, stop re-escalating. None if not open."""
    alert = await session.get(Alert, alert_id, with_for_update=True)
    if alert is None or alert.state != AlertState.OPEN:
        return None
    alert.state = AlertState.ACKNOWLEDGED
    alert.acknowledged_by = by_user
    alert.acknowledged_at = now
    alert.next_escalation_at = None
    _audit_change(session, alert, "alert_acknowledged", by_user, now)
    return alert


async def mark_called(
    session: AsyncSession, alert_id: int, *, by_user: int, now: datetime
) -> Alert | None:
    """A coordinator called the patient (acknowledging it too). None if already called/resolved."""
    alert = await session.get(Alert, alert_id, with_for_update=True)
    if alert is None or alert.state not in (AlertState.OPEN, AlertState.ACKNOWLEDGED):
        return None
    if alert.acknowledged_at is None:
        alert.acknowledged_by = by_user
        alert.acknowledged_at = now
    alert.state = AlertState.CALLED
    alert.called_by = by_user
    alert.called_at = now
    alert.next_escalation_at = None
    _audit_change(session, alert, "alert_called", by_user, now)
    return alert


def due_notifications_query(now: datetime) -> Select[Alert]:
    """Open alerts never posted, and red ones whose re-escalation time has come; red first, then
    oldest first (a backlog of amber never delays a red sign)."""
    return (
        select(Alert)
        .where(
            Alert.state == AlertState.OPEN,
            or_(
                Alert.escalation_level == 0,
                and_(
                    Alert.severity == "red",
                    Alert.escalation_level < LAST_LEVEL,
                    Alert.next_escalation_at <= now,
                ),
            ),
        )
        .order_by(case((Alert.severity == "red", 0), else_=1), Alert.created_at, Alert.id)
    )


async def due_notifications(
    session: AsyncSession, *, now: datetime, limit: int = 50, lock: bool = True
) -> list[Alert]:
    """The alerts of ``due_notifications_query``, at most ``limit``.

    With ``lock`` (the default) the rows are locked for the caller's transaction, skipping
    rows another worker is posting (PostgreSQL; SQLite has one writer anyway). Posting goes
    through care.storage.alert_posting (claim, send, record), never a transaction held over a send.
    """
    query = due_notifications_query(now).limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(await session.scalars(query))


def record_posted(
    session: AsyncSession,
    alert: Alert,
    *,
    telegram_message_id: int | None,
    now: datetime,
    realert: timedelta = DEFAULT_REALERT,
) -> int:
    """Note that the alert went out at its next level (audit-logged); return that level.

    A red alert stays due every ``realert`` until it reaches the last level; amber is done.
    """
    level = min(alert.escalation_level + 1, LAST_LEVEL)
    alert.escalation_level = level
    alert.telegram_message_id = telegram_message_id
    if alert.severity == "red" and level < LAST_LEVEL:
        due = alert.created_at + realert if level == 1 else now + realert
        alert.next_escalation_at = due if due > now else now + realert
    else:
        alert.next_escalation_at = None
    audit.record(
        session,
        at=now,
        actor="system",
        action="alert_posted",
        subject=f"alert:{alert.id}",
        patient_id=alert.patient_id,
        level=level,
    )
    return level


def _audit_change(
    session: AsyncSession, alert: Alert, action: str, by_user: int, now: datetime
) -> None:
    audit.record(
        session,
        at=now,
        actor=f"coordinator:{by_user}",
        action=action,
        subject=f"alert:{alert.id}",
        patient_id=alert.patient_id,
        state=alert.state.value,
    )
