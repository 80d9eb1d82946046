"""The check-in, as the patient answers it: start or resume, answer, add a note.

Each answer is assessed as it comes (``care.storage.checkins.escalate_as_answered``): a red sign
alerts the team at once and the patient is told what to do at once, while the remaining
questions still follow. Everything happens in one short unit of work; the caller shows the
returned step to the patient after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import Clock
from care.domain.errors import InvalidInput
from care.domain.questionnaires import Questionnaire
from care.domain.triage import Assessment, Question, Tier, classify
from care.domain.triage.checkin import NOTE_QUESTION, progress
from care.storage import checkins, conversation, patients
from care.storage.alerts import DEFAULT_REALERT
from care.storage.db import Database
from care.storage.inbox import storable
from care.storage.models import CheckIn, Patient, PatientStatus

ANSWERING = (PatientStatus.ACTIVE, PatientStatus.PAUSED)


@dataclass(frozen=True)
class Answered:
    question: Question
    answer: str


@dataclass(frozen=True)
class Step:
    """What to show next: the question (with "3/11" and the answers so far) or the result.

    ``urgent`` is set when this answer made the check-in red: the patient is told what to
    do now, not after the last question. ``post_alerts`` asks the caller to post now.
    """

    language: str
    checkin_id: int
    message_id: int | None
    question: Question | None
    number: int
    total: int
    answered: tuple[Answered, ...]
    result: Assessment | None = None
    urgent: Assessment | None = None
    post_alerts: bool = False


@dataclass(frozen=True)
class Refused:
    """Nothing to answer: ``key`` says why (not registered, or the prompt's check-in is done)."""

    language: str
    key: str


@dataclass(frozen=True)
class CheckinConfig:
    realert: timedelta = DEFAULT_REALERT
    questionnaire: Questionnaire | None = None


async def begin(
    db: Database,
    clock: Clock,
    config: CheckinConfig,
    *,
    chat_id: int,
    prompt_id: int | None,
    default_language: str,
) -> Step | Refused:
    """/checkin (``prompt_id`` None) or the button under a scheduled prompt."""
    now = clock.now()
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None or patient.status not in ANSWERING:
            gone = patient is None or patient.status == PatientStatus.DELETED
            if prompt_id is not None and gone:
                raise InvalidInput("check-in button from a chat with no patient")
            return Refused(default_language if patient is None else patient.language, "not_active")
        checkin = await checkins.start(
            uow.session, patient, scheduled_message_id=prompt_id, now=now
        )
        if checkin is None:
            return Refused(patient.language, "checkin.already_done")
        step = await _next(uow.session, patient, checkin, config, now=now, urgent=None)
        await uow.commit()
    return step


async def answer(
    db: Database,
    clock: Clock,
    config: CheckinConfig,
    *,
    chat_id: int,
    checkin_id: int,
    question_id: str,
    option: str,
    message_id: int | None,
) -> Step:
    """A button answer; stale, forged, foreign or repeated-with-another-answer: InvalidInput.

    A double tap's second update may race the first to store the same answer: the loser
    is tried once more and then finds the answer stored (no change, no error).
    """
    try:
        return await _answer(
            db, clock, config, chat_id, checkin_id, question_id, option, message_id
        )
    except IntegrityError:
        return await _answer(
            db, clock, config, chat_id, checkin_id, question_id, option, message_id
        )


async def _answer(
    db: Database,
    clock: Clock,
    config: CheckinConfig,
    chat_id: int,
    checkin_id: int,
    question_id: str,
    option: str,
    message_id: int | None,
) -> Step:
    now = clock.now()
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None or patient.status == PatientStatus.DELETED:
            raise InvalidInput("check-in button from a chat with no patient")
        checkin = await checkins.owned_open(uow.session, patient, checkin_id)
        step = await _record(uow.session, patient, checkin, config, question_id, option, now=now)
        if message_id is not None:
            checkin.telegram_message_id = message_id
        await uow.commit()
    return step


async def add_note(
    db: Database,
    clock: Clock,
    config: CheckinConfig,
    *,
    chat_id: int,
    text: str,
    chat_message_id: int | None = None,
) -> Step | None:
    """Typed text while the check-in asks "anything else?": the note, also kept as an item
    of the patient's conversation so that the care team reads it. None if not asked."""
    text = storable(text)  # whole, with NUL dropped (PostgreSQL refuses it)
    now = clock.now()
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None or patient.status not in ANSWERING:
            return None
        checkin = await checkins.waiting_for_note(
            uow.session, patient, now=now, questionnaire=config.questionnaire
        )
        if checkin is None:
            return None
        step = await _record(uow.session, patient, checkin, config, NOTE_QUESTION, text, now=now)
        conversation.record_note(
            uow.session,
            patient=patient,
            checkin_id=checkin.id,
            text=text,
            tier=classify(text).tier.value if text else None,
            chat_message_id=chat_message_id,
            now=now,
        )
        await uow.commit()
    return step


async def _record(
    session: AsyncSession,
    patient: Patient,
    checkin: CheckIn,
    config: CheckinConfig,
    question_id: str,
    value: str,
    *,
    now: datetime,
) -> Step:
    before = await checkins.assess_so_far(session, patient, checkin)
    stored = await checkins.record_answer(
        session,
        patient,
        checkin,
        question_id=question_id,
        answer=value,
        now=now,
        questionnaire=config.questionnaire,
    )
    urgent: Assessment | None = None
    post = False
    if stored:
        so_far = await checkins.assess_so_far(session, patient, checkin)
        post = await checkins.escalate_as_answered(
            session, patient, checkin, so_far, complete=False, now=now, realert=config.realert
        )
        if so_far.tier is Tier.RED and not set(so_far.flags) <= set(before.flags):
            urgent = so_far
    step = await _next(session, patient, checkin, config, now=now, urgent=urgent)
    return replace(step, post_alerts=True) if post else step


async def _next(
    session: AsyncSession,
    patient: Patient,
    checkin: CheckIn,
    config: CheckinConfig,
    *,
    now: datetime,
    urgent: Assessment | None,
) -> Step:
    extra = checkins.extra_questions(config.questionnaire, checkin)
    answers = await checkins.answers_of(session, checkin.id)
    question = await checkins.current_question(session, patient, checkin, config.questionnaire)
    number, total = progress(answers, approach=checkins.approach_of(patient), extra=extra)
    answered = checkins.answered_in_order(patient, answers, extra)
    if question is not None:
        return Step(
            language=patient.language,
            checkin_id=checkin.id,
            message_id=checkin.telegram_message_id,
            question=question,
            number=number,
            total=total,
            answered=tuple(Answered(q, a) for q, a in answered),
            urgent=urgent,
        )
    result, post = await checkins.finish(session, patient, checkin, now=now, realert=config.realert)
    return Step(
        language=patient.language,
        checkin_id=checkin.id,
        message_id=checkin.telegram_message_id,
        question=None,
        number=total,
        total=total,
        answered=tuple(Answered(q, a) for q, a in answered),
        result=result,
        urgent=urgent,
        post_alerts=post,
    )
