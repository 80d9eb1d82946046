"""What a nurse needs to act on an alert, gathered from the database (rendered in words by
scheduler/render.py): who, the patient's own words, the answers that raised it, the trend.

No rule ids: the check-in answers are kept as question and option ids, which the renderer
turns into the coordinators' language; the red-flag rows become sign names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.triage.checkin import load_checkin_rules
from care.storage.conversation import post_op_day
from care.storage.models import Alert, CheckIn, CheckInAnswer, InboundMessage, Patient

NOTE = "note"
TREND_QUESTIONS = ("legpain", "backpain")
TREND_CHECKINS = 5


@dataclass(frozen=True)
class AlertContext:
    patient_code: str
    name: str | None = None
    phone: str | None = None
    post_op_day: int | None = None
    approach: str | None = None
    words: str | None = None  # what the patient wrote (a message or a check-in note)
    answers: tuple[tuple[str, str], ...] = ()  # (question id, option id) that raised it
    trend: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # question, scores


async def alert_context(
    session: AsyncSession, alert: Alert, patient: Patient, now: datetime
) -> AlertContext:
    words: str | None = None
    answers: tuple[tuple[str, str], ...] = ()
    if alert.inbound_message_id is not None:
        inbound = await session.get(InboundMessage, alert.inbound_message_id)
        words = inbound.text if inbound is not None else None
    if alert.checkin_id is not None:
        given = {
            row.question: row.answer
            for row in await session.scalars(
                select(CheckInAnswer)
                .where(CheckInAnswer.checkin_id == alert.checkin_id)
                .order_by(CheckInAnswer.id)
            )
        }
        note = given.pop(NOTE, None)
        if note and note != "none":
            words = words or note
        answers = triggering(given, alert.reasons)
    return AlertContext(
        patient_code=patient.code,
        name=patient.display_name,
        phone=patient.phone,
        post_op_day=post_op_day(patient, now),
        approach=patient.approach.value if patient.approach else None,
        words=words,
        answers=answers,
        trend=await trend(session, patient),
    )


def triggering(given: dict[str, str], reasons: list[str]) -> tuple[tuple[str, str], ...]:
    """The answers named by the rules that raised the alert; all answers when none match."""
    rules = load_checkin_rules()
    named: list[str] = []
    for rule in rules.rules:
        if rule.id in reasons and rule.fires(given):
            named += [question for question, _ in rule.when if question not in named]
    for extra in (rules.leg_pain.question, rules.back_pain.question):
        if any(reason.startswith(extra) for reason in reasons) and extra not in named:
            named.append(extra)
    chosen = [question for question in named if question in given] or list(given)
    return tuple((question, given[question]) for question in chosen)


async def trend(session: AsyncSession, patient: Patient) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Leg and back pain over the last check-ins, oldest first."""
    recent = list(
        await session.scalars(
            select(CheckIn.id)
            .where(CheckIn.patient_id == patient.id)
            .order_by(CheckIn.started_at.desc(), CheckIn.id.desc())
            .limit(TREND_CHECKINS)
        )
    )
    if not recent:
        return ()
    rows = (
        await session.execute(
            select(CheckInAnswer.checkin_id, CheckInAnswer.question, CheckInAnswer.answer).where(
                CheckInAnswer.checkin_id.in_(recent),
                CheckInAnswer.question.in_(TREND_QUESTIONS),
            )
        )
    ).all()
    order = {checkin_id: index for index, checkin_id in enumerate(reversed(recent))}
    result = []
    for question in TREND_QUESTIONS:
        scores = sorted(
            (order[row.checkin_id], row.answer) for row in rows if row.question == question
        )
        if len(scores) >= 2:
            result.append((question, tuple(score for _, score in scores)))
    return tuple(result)
