"""The check-in conversation's state: start or resume, record answers, finish and triage.

Questions, options and rules come from the triage data (care.domain.triage); this module keeps the
answers and refuses what does not fit: another patient's check-in, a finished one, a question
that is not asked, an option that does not exist (forged or stale buttons change nothing).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.errors import InvalidInput
from care.domain.kinds import AlertSource, MessageKind
from care.domain.questionnaires import Questionnaire
from care.domain.triage import Assessment, Question, Tier, assess_checkin, next_question
from care.domain.triage.checkin import NOTE_QUESTION, checkin_questions
from care.storage import alerts, audit
from care.storage.followups import ANSWER_WITHIN
from care.storage.inbox import storable
from care.storage.models import Alert, AlertState, CheckIn, CheckInAnswer, Patient, ScheduledMessage
from care.storage.patients import post_op_day

RESUME_WITHIN = timedelta(hours=24)


async def start(
    session: AsyncSession,
    patient: Patient,
    *,
    scheduled_message_id: int | None,
    now: datetime,
) -> CheckIn | None:
    """The check-in to answer now: the open one (resumed) or a new one.

    None when the scheduled check-in behind a prompt was already completed. A prompt id
    that does not exist, or is not this patient's check-in prompt, is refused (InvalidInput).
    """
    if scheduled_message_id is not None:
        prompt = await session.get(ScheduledMessage, scheduled_message_id)
        if prompt is None or prompt.patient_id != patient.id or prompt.kind != MessageKind.CHECKIN:
            raise InvalidInput("no such check-in prompt for this patient")
        existing = await session.scalar(
            select(CheckIn).where(
                CheckIn.patient_id == patient.id,
                CheckIn.scheduled_message_id == scheduled_message_id,
            )
        )
        if existing is not None:
            return None if existing.completed_at is not None else existing
    open_one = await session.scalar(
        select(CheckIn)
        .where(
            CheckIn.patient_id == patient.id,
            CheckIn.completed_at.is_(None),
            CheckIn.started_at >= now - RESUME_WITHIN,
        )
        .order_by(CheckIn.started_at.desc())
        .limit(1)
    )
    if open_one is not None:
        return open_one
    checkin = CheckIn(
        patient_id=patient.id,
        scheduled_message_id=scheduled_message_id,
        post_op_day=post_op_day(patient, now),
        started_at=now,
    )
    session.add(checkin)
    await session.flush()
    return checkin


async def answers_of(session: AsyncSession, checkin_id: int) -> dict[str, str]:
    rows = await session.scalars(
        select(CheckInAnswer).where(CheckInAnswer.checkin_id == checkin_id)
    )
    return {row.question: row.answer for row in rows}


def approach_of(patient: Patient) -> str:
    return patient.approach.value if patient.approach else "interlaminar"


def extra_questions(questionnaire: Questionnaire | None, checkin: CheckIn) -> tuple[Question, ...]:
    """A licensed questionnaire's items when this check-in's day is one of its days."""
    return questionnaire.questions_on(checkin.post_op_day) if questionnaire else ()


async def current_question(
    session: AsyncSession,
    patient: Patient,
    checkin: CheckIn,
    questionnaire: Questionnaire | None = None,
) -> Question | None:
    return next_question(
        await answers_of(session, checkin.id),
        approach=approach_of(patient),
        extra=extra_questions(questionnaire, checkin),
    )


def answered_in_order(
    patient: Patient, answers: dict[str, str], extra: tuple[Question, ...]
) -> list[tuple[Question, str]]:
    """The answers given so far, in the order the questions are asked."""
    return [
        (question, answers[question.id])
        for question in checkin_questions(approach=approach_of(patient), extra=extra)
        if question.id in answers
    ]


async def owned_open(session: AsyncSession, patient: Patient, checkin_id: int) -> CheckIn:
    """The patient's own unfinished check-in, or InvalidInput (stale, forged, finished)."""
    checkin = await session.get(CheckIn, checkin_id)
    if checkin is None or checkin.patient_id != patient.id:
        raise InvalidInput("check-in does not belong to this patient")
    if checkin.completed_at is not None:
        raise InvalidInput("check-in already finished")
    return checkin


async def record_answer(
    session: AsyncSession,
    patient: Patient,
    checkin: CheckIn,
    *,
    question_id: str,
    answer: str,
    now: datetime,
    questionnaire: Questionnaire | None = None,
) -> bool:
    """Store one answer; False when the very same answer was already stored (a double tap).

    An answered question is never answered again: a different answer to it is refused.
    """
    extra = extra_questions(questionnaire, checkin)
    question = _question(patient, question_id, extra)
    answers = await answers_of(session, checkin.id)
    expected = next_question(answers, approach=approach_of(patient), extra=extra)
    if answer not in question.option_ids() and question_id != NOTE_QUESTION:
        raise InvalidInput(f"{answer!r} is not an option of {question_id}")
    answer = storable(answer)  # a note is kept whole, as every other text is
    if question_id in answers:
        if answers[question_id] == answer:
            return False
        raise InvalidInput(f"question {question_id} was already answered")
    if expected is None or expected.id != question_id:
        raise InvalidInput(f"question {question_id} is not the one being asked")
    session.add(
        CheckInAnswer(checkin_id=checkin.id, question=question_id, answer=answer, answered_at=now)
    )
    await session.flush()
    return True


async def waiting_for_note(
    session: AsyncSession,
    patient: Patient,
    *,
    now: datetime,
    questionnaire: Questionnaire | None = None,
) -> CheckIn | None:
    """The open check-in whose next question is the free-text note, if any."""
    checkin = await session.scalar(
        select(CheckIn)
        .where(
            CheckIn.patient_id == patient.id,
            CheckIn.completed_at.is_(None),
            CheckIn.started_at >= now - RESUME_WITHIN,
        )
        .order_by(CheckIn.started_at.desc())
        .limit(1)
    )
    if checkin is None:
        return None
    question = await current_question(session, patient, checkin, questionnaire)
    return checkin if question is not None and question.id == NOTE_QUESTION else None


async def assess_so_far(session: AsyncSession, patient: Patient, checkin: CheckIn) -> Assessment:
    """What the answers given so far mean (the same rules as a finished check-in)."""
    return assess_checkin(
        await answers_of(session, checkin.id),
        history=await _history(session, patient, before=checkin),
        post_op_day=checkin.post_op_day or 0,
        approach=approach_of(patient),
    )


async def escalate_as_answered(
    session: AsyncSession,
    patient: Patient,
    checkin: CheckIn,
    assessment: Assessment,
    *,
    complete: bool,
    now: datetime,
    realert: timedelta = alerts.DEFAULT_REALERT,
) -> bool:
    """Keep the check-in's alert in step with its answers; True when one must be posted now.

    Red opens at once, even mid-check-in. Amber in an unfinished check-in waits, like a
    free-text follow-up, ``ANSWER_WITHIN`` for the rest of the answers (the follow-up job
    opens it if the patient falls silent); finishing the check-in opens it.
    """
    if assessment.tier not in (Tier.RED, Tier.AMBER):
        return False
    red = assessment.tier is Tier.RED
    alert = await session.scalar(
        select(Alert).where(Alert.checkin_id == checkin.id).order_by(Alert.id.desc()).limit(1)
    )
    if alert is None:
        if not red and not complete:
            session.add(_awaiting(patient, checkin, assessment, now))
            await session.flush()
            return False
        await alerts.open_alert(
            session,
            patient=patient,
            severity="red" if red else "amber",
            source=AlertSource.CHECKIN,
            flags=assessment.flags,
            reasons=assessment.reasons,
            now=now,
            realert=realert,
            checkin_id=checkin.id,
        )
        return True
    known_flags = set(alert.flags)
    alert.flags = sorted(known_flags | set(assessment.flags))
    alert.reasons = list(dict.fromkeys([*alert.reasons, *assessment.reasons]))
    if alert.state == AlertState.AWAITING:
        if not red and not complete:
            return False
        alert.severity = "red" if red else "amber"
        alert.state = AlertState.OPEN
        alert.escalation_level = 0
        alert.next_escalation_at = now + realert if red else None
        _audit_opened(session, patient, alert, now)
        return True
    if not red or (alert.severity == "red" and set(assessment.flags) <= known_flags):
        return False
    if alert.state == AlertState.OPEN:  # amber so far, or a new red sign: post again as red
        alert.severity = "red"
        alert.escalation_level = 0
        alert.next_escalation_at = now + realert
        _audit_opened(session, patient, alert, now)
        return True
    # the earlier alert was already handled: a new red sign is a new alert
    session.add(
        Alert(
            patient_id=patient.id,
            severity="red",
            source=AlertSource.CHECKIN,
            flags=list(assessment.flags),
            reasons=list(assessment.reasons),
            state=AlertState.OPEN,
            created_at=now,
            escalation_level=0,
            next_escalation_at=now + realert,
            checkin_id=checkin.id,
        )
    )
    await session.flush()
    return True


def _awaiting(patient: Patient, checkin: CheckIn, assessment: Assessment, now: datetime) -> Alert:
    return Alert(
        patient_id=patient.id,
        severity="amber",
        source=AlertSource.CHECKIN,
        flags=list(assessment.flags),
        reasons=list(assessment.reasons),
        state=AlertState.AWAITING,
        created_at=now,
        escalation_level=0,
        next_escalation_at=now + ANSWER_WITHIN,
        checkin_id=checkin.id,
    )


def _audit_opened(session: AsyncSession, patient: Patient, alert: Alert, now: datetime) -> None:
    audit.record(
        session,
        at=now,
        actor="system",
        action="alert_opened",
        subject=patient.code,
        alert_id=alert.id,
        severity=alert.severity,
        source=AlertSource.CHECKIN,
        flags=list(alert.flags),
    )


async def finish(
    session: AsyncSession,
    patient: Patient,
    checkin: CheckIn,
    *,
    now: datetime,
    realert: timedelta = alerts.DEFAULT_REALERT,
) -> tuple[Assessment, bool]:
    """Classify the completed check-in and store its tier; the team's alert is opened on red
    or amber (True when one must be posted now)."""
    assessment = await assess_so_far(session, patient, checkin)
    checkin.completed_at = now
    checkin.tier = assessment.tier.value
    audit.record(
        session,
        at=now,
        actor=f"patient:{patient.code}",
        action="checkin.completed",
        subject=patient.code,
        checkin_id=checkin.id,
        tier=assessment.tier.value,
    )
    post = await escalate_as_answered(
        session, patient, checkin, assessment, complete=True, now=now, realert=realert
    )
    return assessment, post


async def _history(
    session: AsyncSession, patient: Patient, *, before: CheckIn
) -> list[dict[str, str]]:
    earlier = (
        await session.scalars(
            select(CheckIn.id)
            .where(
                CheckIn.patient_id == patient.id,
                CheckIn.completed_at.is_not(None),
                CheckIn.id != before.id,
            )
            .order_by(CheckIn.completed_at)
        )
    ).all()
    return [await answers_of(session, checkin_id) for checkin_id in earlier]


def _question(patient: Patient, question_id: str, extra: tuple[Question, ...]) -> Question:
    for question in checkin_questions(approach=approach_of(patient), extra=extra):
        if question.id == question_id:
            return question
    raise InvalidInput(f"no question {question_id!r} for this patient")


async def questionnaire_results(
    session: AsyncSession, patient: Patient, questionnaire: Questionnaire
) -> list[dict[str, object]]:
    """Each completed check-in that holds the questionnaire's items: its day and score."""
    done = (
        await session.scalars(
            select(CheckIn)
            .where(CheckIn.patient_id == patient.id, CheckIn.completed_at.is_not(None))
            .order_by(CheckIn.completed_at)
        )
    ).all()
    results: list[dict[str, object]] = []
    for checkin in done:
        answers = await answers_of(session, checkin.id)
        answered = sum(questionnaire.owns(question) for question in answers)
        if not answered:
            continue
        assert checkin.completed_at is not None
        results.append(
            {
                "id": questionnaire.id,
                "post_op_day": checkin.post_op_day,
                "completed_at": checkin.completed_at.isoformat().replace("+00:00", "Z"),
                "answered": answered,
                "score": questionnaire.score(answers),
            }
        )
    return results
