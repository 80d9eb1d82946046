"""A patient's "done" or "later" under a posture reminder, in one unit of work.

The caller (bot/reminder_buttons.py) edits the reminder's message with the returned text key
after the commit. Nothing here talks to Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass

from care.domain.clock import Clock
from care.domain.errors import InvalidInput
from care.storage import patients, reminders
from care.storage.db import Database


@dataclass(frozen=True)
class PostureAnswer:
    """What to tell the patient: ``key`` in ``language``."""

    language: str
    key: str


async def answer_posture_reminder(
    db: Database, clock: Clock, *, chat_id: int, message_id: int, done: bool
) -> PostureAnswer:
    """Record "done", or bring the reminder back in an hour (tomorrow when an hour from now
    falls outside the waking window, or when it was snoozed once already)."""
    now = clock.now()
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None:
            raise InvalidInput("posture button from a chat with no patient")
        if done:
            await reminders.done(uow.session, patient, message_id, now=now)
            key = "posture.done"
        else:
            due = await reminders.later(uow.session, patient, message_id, now=now)
            key = "posture.later" if due is not None else "posture.later_tomorrow"
        language = patient.language
        await uow.commit()
    return PostureAnswer(language, key)
