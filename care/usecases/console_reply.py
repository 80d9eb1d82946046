"""A coordinator's reply to one patient from the web console, sent through the outbox.

Until the conversation inbox (issue 12) lands, a reply is a broadcast to that one patient
(audience ``patient:CODE``, ``created_by`` ``reply:<coordinator id>``): the dispatcher sends
it like any scheduled message, within Telegram's limits and the patient's waking hours, and
the Patient page shows it in the conversation. Refused, with nothing queued, for an empty or
too long text and for a patient who cannot receive messages (not active, or no chat).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from care import audit, broadcasts, patients
from care.audiences import Audience
from care.clock import Clock
from care.db import Database
from care.errors import NotFound
from care.models import Broadcast, PatientStatus

MAX_REPLY = 4000
REPLY_PREFIX = "reply:"


class ReplyStatus(enum.StrEnum):
    QUEUED = "queued"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_PATIENT = "unknown_patient"
    NOT_REACHABLE = "not_reachable"


@dataclass(frozen=True)
class ReplyOutcome:
    status: ReplyStatus
    patient_code: str | None = None

    @property
    def queued(self) -> bool:
        return self.status == ReplyStatus.QUEUED


@dataclass(frozen=True)
class SentReply:
    text: str
    at: datetime
    by: str
    state: str


async def reply_to_patient(
    db: Database, clock: Clock, *, code: str, text: str, actor: str
) -> ReplyOutcome:
    now = clock.now()
    text = text.strip()
    async with db.uow() as uow:
        try:
            patient = await patients.by_code(uow.session, code)
        except NotFound:
            return ReplyOutcome(ReplyStatus.UNKNOWN_PATIENT)
        if not text:
            status = ReplyStatus.EMPTY
        elif len(text) > MAX_REPLY:
            status = ReplyStatus.TOO_LONG
        elif patient.status != PatientStatus.ACTIVE or patient.chat_id is None:
            status = ReplyStatus.NOT_REACHABLE
        else:
            await broadcasts.create(
                uow.session,
                text_ko=text,
                text_en=text,
                audience=Audience("patient", patient_code=patient.code),
                actor=f"{REPLY_PREFIX}{actor.removeprefix('coordinator:')}",
                now=now,
            )
            audit.record(
                uow.session, at=now, actor=actor, action="console.reply", subject=patient.code
            )
            await uow.commit()
            return ReplyOutcome(ReplyStatus.QUEUED, patient.code)
        audit.record(
            uow.session,
            at=now,
            actor=actor,
            action="console.reply_refused",
            subject=patient.code,
            reason=status.value,
        )
        await uow.commit()
        return ReplyOutcome(status, patient.code)


async def replies_to(db: Database, code: str) -> list[SentReply]:
    """The replies sent to a patient from the console, oldest first, with their state."""
    async with db.uow() as uow:
        rows = (
            await uow.session.scalars(
                select(Broadcast)
                .where(
                    Broadcast.audience == f"patient:{code}",
                    Broadcast.created_by.startswith(REPLY_PREFIX),
                )
                .order_by(Broadcast.created_at, Broadcast.id)
            )
        ).all()
    return [SentReply(row.text_ko or "", row.created_at, row.created_by, row.state) for row in rows]
