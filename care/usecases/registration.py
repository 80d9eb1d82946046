"""/start: the way in, in one unit of work. Without a valid invite nothing about the person is
stored (a throttled run of wrong codes is audited, without the person).

The caller (bot/registration.py) says the returned reply after the commit. Nothing here talks
to Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from care.domain.clock import Clock
from care.domain.errors import InviteRejected, NotAllowed
from care.storage import audit, enrollment, patients
from care.storage.db import Database
from care.storage.models import PatientStatus
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
