"""A patient's own /pause, /resume, /stop and /delete (yes), each in one unit of work.

The caller finds the patient by chat, calls, then tells the patient (and kicks the card
poster: each change is a card for the team) after the commit. Nothing here talks to
Telegram.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from care.domain.clock import Clock
from care.domain.errors import InvalidInput
from care.domain.kinds import ItemKind
from care.domain.pathway import Pathway
from care.storage import conversation, patients, privacy
from care.storage.conversation import EventKind
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus


class Change(enum.StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


EVENTS: dict[Change, EventKind] = {
    Change.PAUSE: ItemKind.PAUSE,
    Change.RESUME: ItemKind.RESUME,
    Change.STOP: ItemKind.STOP,
}


@dataclass(frozen=True)
class NotRegistered:
    """No patient (or an erased one) in this chat: nothing changed."""


@dataclass(frozen=True)
class NotNow:
    """The change does not apply to the patient's status (e.g. /pause when stopped)."""

    language: str


@dataclass(frozen=True)
class Changed:
    language: str
    code: str
    paused_until: date | None = None


def _registered(patient: Patient | None) -> Patient | None:
    if patient is None or patient.status == PatientStatus.DELETED:
        return None
    return patient


async def change_status(
    db: Database,
    clock: Clock,
    pathway: Pathway,
    *,
    chat_id: int,
    change: Change,
    days: int = 3,
) -> Changed | NotNow | NotRegistered:
    """Pause (for ``days``), resume or stop, with a conversation event for the team's card."""
    now = clock.now()
    async with db.uow() as uow:
        patient = _registered(await patients.by_chat(uow.session, chat_id))
        if patient is None:
            return NotRegistered()
        until: date | None = None
        try:
            if change is Change.PAUSE:
                until = await patients.pause(uow.session, patient, days, now=now)
            elif change is Change.RESUME:
                await patients.resume(uow.session, patient, now=now, pathway=pathway)
            else:
                await patients.stop(uow.session, patient, now=now)
        except InvalidInput:
            return NotNow(patient.language)
        conversation.record_event(uow.session, patient=patient, kind=EVENTS[change], now=now)
        await uow.commit()
    return Changed(patient.language, patient.code, until)


async def language_of(db: Database, *, chat_id: int) -> str | None:
    """The registered patient's language in this chat, None if there is none (/delete asks)."""
    async with db.uow() as uow:
        patient = _registered(await patients.by_chat(uow.session, chat_id))
        return None if patient is None else patient.language


async def erase(db: Database, clock: Clock, *, chat_id: int) -> Changed:
    """/delete confirmed: erase the record; the team's card says so, red if an urgent alert
    was still open. InvalidInput if the chat has no patient."""
    now = clock.now()
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id)
        if patient is None:
            raise InvalidInput("delete button from a chat with no patient")
        urgent = await conversation.open_red_alert(uow.session, patient)
        await privacy.erase(uow.session, patient, now=now, actor=f"patient:{patient.code}")
        conversation.record_event(  # after the erasure: the team learns of it, without text
            uow.session,
            patient=patient,
            kind=ItemKind.DELETE,
            now=now,
            tier="red" if urgent else None,
        )
        await uow.commit()
    return Changed(patient.language, patient.code)
