"""Free text that may hold a warning sign: ask the patient, and escalate unless clearly not.

A message classified red, amber or ask opens an alert in state ``awaiting`` and the patient
gets a yes/no follow-up question. Then:

    patient says yes          -> the alert opens (red stays red; ask becomes amber)
    patient says no           -> red opens as amber (a red sign is never dropped: a human
                                 looks); amber and ask are resolved and kept on record
    no answer in 10 minutes   -> the alert opens, as if confirmed; for an unclear ("ask")
                                 message, into the patient's open unanswered-unclear
                                 alert if there is one (noise makes one card, not many)

Every message is stored first (care.inbox); this module only decides what follows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care import audit
from care.alerts import DEFAULT_REALERT
from care.models import Alert, AlertState, InboundMessage, Patient
from care.triage import Tier, TriageResult

ANSWER_WITHIN = timedelta(minutes=10)
UNCLEAR = f"free_text:{Tier.ASK.value}"


def record_reading(message: InboundMessage, result: TriageResult) -> None:
    message.tier = result.tier.value
    message.flags = list(result.flags)


async def await_confirmation(
    session: AsyncSession,
    *,
    patient: Patient,
    message: InboundMessage,
    result: TriageResult,
    now: datetime,
) -> Alert | None:
    """Open an alert that waits for the patient's answer; None for a green message."""
    if result.tier == Tier.GREEN:
        return None
    alert = Alert(
        patient_id=patient.id,
        severity="red" if result.tier == Tier.RED else "amber",
        source="free_text",
        flags=list(result.flags),
        reasons=[f"free_text:{result.tier.value}", *(f"said:{e}" for e in result.evidence)],
        state=AlertState.AWAITING,
        created_at=now,
        escalation_level=0,
        next_escalation_at=now + ANSWER_WITHIN,
        inbound_message_id=message.id,
    )
    session.add(alert)
    await session.flush()
    _audit(session, alert, "followup.asked", f"patient:{patient.code}", now)
    return alert


async def answer(
    session: AsyncSession,
    *,
    patient: Patient,
    inbound_message_id: int,
    confirmed: bool,
    now: datetime,
    realert: timedelta = DEFAULT_REALERT,
) -> Alert | None:
    """The patient answered the follow-up. None when there is nothing awaiting (stale or forged)."""
    alert = await session.scalar(
        select(Alert).where(
            Alert.inbound_message_id == inbound_message_id,
            Alert.patient_id == patient.id,
            Alert.state == AlertState.AWAITING,
        )
    )
    if alert is None:
        return None
    actor = f"patient:{patient.code}"
    if confirmed:
        _open(alert, now, realert)
        _audit(session, alert, "followup.confirmed", actor, now)
    elif alert.severity == "red":
        alert.severity = "amber"
        alert.reasons = [*alert.reasons, "patient_denied_red"]
        _open(alert, now, realert)
        _audit(session, alert, "followup.denied_red_kept", actor, now)
    else:
        alert.state = AlertState.RESOLVED
        alert.next_escalation_at = None
        _audit(session, alert, "followup.denied", actor, now)
    return alert


async def escalate_unanswered(
    session: AsyncSession, *, now: datetime, realert: timedelta = DEFAULT_REALERT
) -> int:
    """Open every awaiting alert whose patient has not answered in time (a periodic job)."""
    overdue = (
        await session.scalars(
            select(Alert)
            .where(Alert.state == AlertState.AWAITING, Alert.next_escalation_at <= now)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for alert in overdue:
        alert.reasons = [*alert.reasons, "no_answer"]
        into = await _open_unclear(session, alert) if UNCLEAR in alert.reasons else None
        if into is not None:  # noise: one card per patient, not one per unclear message
            alert.state = AlertState.RESOLVED
            alert.next_escalation_at = None
            alert.reasons = [*alert.reasons, f"merged_into:{into.id}"]
            into.reasons = [*into.reasons, f"also_unanswered:{alert.inbound_message_id}"]
            _audit(session, alert, "followup.unanswered_merged", "system", now)
            continue
        _open(alert, now, realert)
        _audit(session, alert, "followup.unanswered", "system", now)
    return len(overdue)


async def _open_unclear(session: AsyncSession, alert: Alert) -> Alert | None:
    """The patient's open alert for an earlier unanswered unclear message, if any.

    An "ask" message holds no warning sign the reader knows, only words worth a question;
    a patient who sends many (gibberish, a pocket dial) and answers none would otherwise
    post a card each. Red and amber messages never merge: each opens its own alert.
    """
    candidates = await session.scalars(
        select(Alert)
        .where(
            Alert.patient_id == alert.patient_id,
            Alert.source == "free_text",
            Alert.state == AlertState.OPEN,
            Alert.id != alert.id,
        )
        .order_by(Alert.id)
    )
    return next(
        (
            open_one
            for open_one in candidates
            if UNCLEAR in open_one.reasons and "no_answer" in open_one.reasons
        ),
        None,
    )


def _open(alert: Alert, now: datetime, realert: timedelta) -> None:
    alert.state = AlertState.OPEN
    alert.escalation_level = 0
    alert.next_escalation_at = now + realert if alert.severity == "red" else None


def _audit(session: AsyncSession, alert: Alert, action: str, actor: str, now: datetime) -> None:
    audit.record(
        session,
        at=now,
        actor=actor,
        action=action,
        subject=f"alert:{alert.id}",
        patient_id=alert.patient_id,
        severity=alert.severity,
    )
