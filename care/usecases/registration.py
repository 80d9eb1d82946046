"""Registration, each step in one unit of work: /start with an invite, the two consents, the
language, the surgery date and the waking window. Without a valid invite nothing about the
person is stored (a throttled run of wrong codes is audited, without the person).

The caller (bot/registration.py) answers after the commit. Nothing here talks to Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from care.domain.clock import Clock
from care.domain.errors import InvalidInput, InviteRejected, NotAllowed
from care.domain.kinds import ItemKind
from care.domain.pathway import Pathway
from care.storage import audit, conversation, enrollment, patients
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus
from care.storage.throttle import AttemptThrottle


class StartReply(StrEnum):
    """What /start answers; the value is the text's key."""

    HELP = "help.patient"  # a registered patient without an invite: the help
    NO_INVITE = "start.no_invite"
    TOO_MANY_ATTEMPTS = "reg.too_many_attempts"
    INVALID_INVITE = "reg.invalid_invite"
    ALREADY_LINKED = "reg.already_linked"  # this account belongs to another patient
    ASK_LANGUAGE = "reg.language"  # an invite already opened from this chat: carry on
    ASK_CONSENT = "reg.consent"  # the invite opened: the consent question comes next


@dataclass(frozen=True)
class StartAnswer:
    reply: StartReply
    language: str  # the patient's once known, otherwise the one the caller passed
    patient_code: str | None = None  # the patient whose invite was opened (ASK_CONSENT)


async def start(
    db: Database,
    clock: Clock,
    throttle: AttemptThrottle,
    *,
    chat_id: int,
    user_id: int,
    private_chat: bool,
    code: str | None,
    language: str,
) -> StartAnswer:
    """/start [code] from ``user_id`` in ``chat_id``. Wrong codes count against the person in
    ``throttle``; once it is used up every code is refused for a while."""
    now = clock.now()
    async with db.uow() as uow:
        known = await patients.by_chat(uow.session, chat_id)
        if code is None or not private_chat:
            if known is not None and known.status != PatientStatus.DELETED:
                return StartAnswer(StartReply.HELP, known.language)
            return StartAnswer(StartReply.NO_INVITE, language)
        throttle_key = f"invite:{user_id}"
        if throttle.blocked(throttle_key):
            return StartAnswer(StartReply.TOO_MANY_ATTEMPTS, language)
        try:
            patient = await enrollment.open_invite(uow.session, code, chat_id=chat_id, now=now)
        except InviteRejected:
            if known is not None and known.status == PatientStatus.INVITED:
                return StartAnswer(StartReply.ASK_LANGUAGE, language)
            if throttle.failed(throttle_key):
                audit.record(
                    uow.session, at=now, actor=f"telegram:{user_id}", action="invite.throttled"
                )
                await uow.commit()
            return StartAnswer(StartReply.INVALID_INVITE, language)
        except NotAllowed:
            await uow.commit()  # the refusal's audit entry
            return StartAnswer(StartReply.ALREADY_LINKED, language)
        await uow.commit()
    return StartAnswer(StartReply.ASK_CONSENT, patient.language, patient.code)


async def consent(
    db: Database, clock: Clock, *, chat_id: int, agreed: bool, health: bool
) -> Patient | None:
    """The answer to one of the two consent questions (the service's, then health data's).

    Only both together store anything: agreeing to the health consent creates the patient and
    returns it; the service consent and any refusal return None (a refusal stores nothing
    about the person). A chat whose patient is still invited gets that patient back (a second
    "yes" changes nothing); any other press after consent was given is InvalidInput."""
    now = clock.now()
    async with db.uow() as uow:
        known = await patients.by_chat(uow.session, chat_id, lock=True)
        if known is not None and (known.status != PatientStatus.INVITED or not agreed):
            raise InvalidInput("consent button after consent was given")
        if known is None:
            if not agreed:
                await enrollment.decline_consent(uow.session, chat_id=chat_id)
            elif health:
                known = await enrollment.give_consent(uow.session, chat_id=chat_id, now=now)
            else:
                await enrollment.open_consent(uow.session, chat_id=chat_id, now=now)
            await uow.commit()
    return known


class Step(StrEnum):
    """A registration button after consent; the value is its callback action."""

    LANGUAGE = "lang"  # the language chosen while registering
    SET_LANGUAGE = "setlang"  # /language from a registered patient
    SURGERY_DATE = "sdate"  # the surgery date confirmed or disputed
    WAKING_WINDOW = "wake"  # the waking window chosen: the patient becomes active


async def answer_step(
    db: Database, clock: Clock, pathway: Pathway, *, chat_id: int, step: Step, answer: str
) -> Patient:
    """Record one registration answer, checked against the state it acts on: a button from a
    step already passed (an active patient's old registration message) is refused with
    InvalidInput and changes nothing; InviteRejected for a chat with no patient."""
    now = clock.now()
    async with db.uow() as uow:
        session = uow.session
        patient = await patients.by_chat(session, chat_id, lock=True)
        if patient is None or patient.status == PatientStatus.DELETED:
            raise InviteRejected("button from a chat with no patient")
        registering = patient.status == PatientStatus.INVITED
        if registering == (step == Step.SET_LANGUAGE):
            raise InvalidInput(f"{step.value} button out of its step")
        if step in (Step.LANGUAGE, Step.SET_LANGUAGE):
            await patients.choose_language(session, patient, answer, now=now)
        elif step == Step.SURGERY_DATE:
            await patients.confirm_surgery_date(session, patient, answer == "yes", now=now)
            if answer != "yes":  # the patient was promised the nurse checks the date
                conversation.record_event(
                    session, patient=patient, kind=ItemKind.DATE_DISPUTE, now=now
                )
        else:
            await patients.choose_window(session, patient, answer, now=now, pathway=pathway)
            await patients.activate(session, patient, now=now, pathway=pathway)
        await uow.commit()
    return patient
