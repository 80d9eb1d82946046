"""A patient's answer to the follow-up question about an unclear message, in one unit of work.

The caller (bot/free_text.py) kicks the alert poster when the alert opened and tells the
patient after the commit. Nothing here talks to Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from care.domain.clock import Clock
from care.domain.errors import InvalidInput
from care.storage import followups, patients
from care.storage.db import Database
from care.storage.models import Alert


@dataclass(frozen=True)
class FollowUpAnswered:
    language: str  # the patient's
    patient_code: str
    alert: Alert  # OPEN when the answer confirmed a sign (or a red was kept), otherwise closed


async def answer_follow_up(
    db: Database,
    clock: Clock,
    *,
    chat_id: int,
    inbound_message_id: int,
    answer_id: str,
    realert: timedelta,
) -> FollowUpAnswered:
    """Checked against the pressing patient's own message and the question's own answers:
    InvalidInput (nothing changed) for a chat with no patient, or no follow-up awaiting."""
    now = clock.now()
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None:
            raise InvalidInput("follow-up from a chat with no patient")
        alert = await followups.answer(
            uow.session,
            patient=patient,
            inbound_message_id=inbound_message_id,
            answer_id=answer_id,
            now=now,
            realert=realert,
        )
        if alert is None:
            raise InvalidInput("no follow-up awaiting for this message")
        await uow.commit()
    return FollowUpAnswered(patient.language, patient.code, alert)
