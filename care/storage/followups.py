"""Free text that may hold a warning sign: alert on what it states, ask about what is unsure.

A message that states a red or amber sign opens its alert at once, at that tier, as the
same answer in a check-in does: the patient is not asked again about what they just said
(so a "no" cannot downgrade it). A message the reader is unsure about (``ask``) opens an
alert in state ``awaiting`` and the patient gets ONE follow-up question whose buttons name
their answers (messages/triage/signs.yaml). Then:

    an answer that names the sign -> the alert opens at that answer's tier (red or amber)
    an answer that it is not there -> resolved and kept on record (an awaiting red, from
                                 before this rule, opens as amber: a red sign is never
                                 dropped, a human looks)
    no answer in 10 minutes       -> the alert opens, as if confirmed; for an unclear ("ask")
                                     message, into the patient's open unanswered-unclear
                                     alert if there is one (noise makes one card, not many)

Every message is stored first (care.storage.inbox); this module only decides what follows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.kinds import AlertSource
from care.domain.triage import Tier, TriageResult
from care.domain.triage.signs import load_signs
from care.storage import audit
from care.storage.alerts import DEFAULT_REALERT
from care.storage.models import Alert, AlertState, InboundMessage, Patient

ANSWER_WITHIN = timedelta(minutes=10)
DEFAULT_QUESTION = "triage.ask.general"
ASKED = "asked:"
LEGACY = ("yes", "no")
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
    realert: timedelta = DEFAULT_REALERT,
) -> Alert | None:
    """The alert for a read message; None for a green one.

    Red or amber: open at once (the sign was stated). Ask: awaiting the answer to the
    follow-up question (``question_for``), for ``ANSWER_WITHIN``.
    """
    if result.tier == Tier.GREEN:
        return None
    reasons = [f"free_text:{result.tier.value}", *(f"said:{e}" for e in result.evidence)]
    alert = Alert(
        patient_id=patient.id,
        severity="red" if result.tier == Tier.RED else "amber",
        source=AlertSource.FREE_TEXT,
        flags=list(result.flags),
        reasons=reasons,
        state=AlertState.AWAITING,
        created_at=now,
        escalation_level=0,
        next_escalation_at=now + ANSWER_WITHIN,
        inbound_message_id=message.id,
    )
    if result.tier == Tier.ASK:
        alert.reasons = [*reasons, ASKED + question_for(result)]
    else:
        _open(alert, now, realert)
    session.add(alert)
    await session.flush()
    action = "followup.asked" if result.tier == Tier.ASK else "followup.stated"
    _audit(session, alert, action, f"patient:{patient.code}", now)
    return alert


def question_for(result: TriageResult) -> str:
    """The follow-up question for an unsure message (one that signs.yaml knows)."""
    question = result.question or DEFAULT_QUESTION
    return question if question in load_signs().follow_ups else DEFAULT_QUESTION


async def answer(
    session: AsyncSession,
    *,
    patient: Patient,
    inbound_message_id: int,
    answer_id: str,
    now: datetime,
    realert: timedelta = DEFAULT_REALERT,
) -> Alert | None:
    """The patient answered the follow-up with one of its named answers. None when nothing is
    awaiting or the answer is not one of the question's (stale or forged)."""
    alert = await session.scalar(
        select(Alert).where(
            Alert.inbound_message_id == inbound_message_id,
            Alert.patient_id == patient.id,
            Alert.state == AlertState.AWAITING,
        )
    )
    if alert is None:
        return None
    asked = next((r[len(ASKED) :] for r in alert.reasons if r.startswith(ASKED)), None)
    follow_ups = load_signs().follow_ups
    follow_up = follow_ups.get(asked or DEFAULT_QUESTION) or follow_ups[DEFAULT_QUESTION]
    chosen = follow_up.answer(answer_id)
    if chosen is None and answer_id in LEGACY:  # yes/no buttons sent before named answers
        no = answer_id == "no"
        chosen = next((a for a in follow_up.answers if (a.tier is None) is no), None)
    if chosen is None:
        return None
    actor = f"patient:{patient.code}"
    alert.reasons = [*alert.reasons, f"answered:{answer_id}"]
    if chosen.tier is not None:
        if alert.severity != "red":
            alert.severity = chosen.tier.value
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
            Alert.source == AlertSource.FREE_TEXT,
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
