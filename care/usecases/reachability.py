"""A patient blocking or unblocking the bot, each in one unit of work.

CLINICAL.md: "a patient who blocks the bot alerts them at once". The caller
(bot/membership.py) kicks the alert poster or welcomes the patient back after the commit.
Nothing here talks to Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from care.domain.clock import Clock
from care.domain.pathway import Pathway
from care.storage import patients
from care.storage.db import Database


@dataclass(frozen=True)
class Blocked:
    code: str
    alerted: bool  # a red alert was opened: post it now


@dataclass(frozen=True)
class Unblocked:
    code: str
    language: str  # of the welcome back


async def chat_blocked(
    db: Database, clock: Clock, *, chat_id: int, realert: timedelta
) -> Blocked | None:
    """The patient becomes unreachable, their pending messages are cancelled and a red alert
    asks the team to phone. None for a chat with no patient (nothing is stored about it)."""
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id)
        if patient is None:
            return None
        alert = await patients.mark_unreachable(
            uow.session, patient, now=clock.now(), reason="blocked_the_bot", realert=realert
        )
        code = patient.code
        await uow.commit()
    return Blocked(code, alert is not None)


async def chat_unblocked(
    db: Database, clock: Clock, pathway: Pathway, *, chat_id: int
) -> Unblocked | None:
    """An unreachable patient is active again, their plan starting from now. None when the
    chat has no patient or the patient was not unreachable (nothing changes)."""
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id)
        if patient is None:
            return None
        if not await patients.reachable_again(
            uow.session, patient, now=clock.now(), pathway=pathway
        ):
            return None
        found = Unblocked(patient.code, patient.language)
        await uow.commit()
    return found
