"""What a patient types, read: kept whole first (its own unit of work, committed before any
reading), then read for warning signs, with its alert or follow-up question and its
conversation item (the team's card) in a second one.

If the database cannot take the reading for a moment (dropped, locked, too slow), the reading
is written again, up to ``READING_ATTEMPTS`` times a few tenths of a second apart: a text kept
but never read would reach the team as a card with no tier, and a red sign in it would open
no alert.

The caller (bot/free_text.py) kicks the alert poster and answers the patient after both
commits. Nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from care.domain.clock import Clock
from care.domain.triage import TriageResult, classify
from care.domain.triage.attachments import read_attachment, stored_text
from care.storage import conversation, followups, inbox
from care.storage.db import UNREACHABLE, Database
from care.storage.models import Alert, InboundMessage, Patient

READING_ATTEMPTS = 4
READING_WAIT = wait_exponential(multiplier=0.25, max=2.0)  # 0.25 s, 0.5 s, 1 s between them


@dataclass(frozen=True)
class Reading:
    inbound_id: int  # the stored message
    result: TriageResult
    awaiting_alert_id: int | None  # the alert opened or awaiting the follow-up; None if green


async def read_free_text(
    db: Database,
    clock: Clock,
    *,
    patient: Patient,
    chat_id: int,
    message_id: int,
    text: str,
    attachment: str | None,
    file_id: str | None,
    realert: timedelta,
) -> Reading:
    """``text`` is the message's text or caption; ``attachment`` the kind of what came with it
    (None for plain text) and ``file_id`` Telegram's id for it (no bytes are kept)."""
    now = clock.now()
    async with db.uow() as uow:  # kept on arrival (bot.intake); kept here otherwise
        stored = await inbox.received(
            uow.session, chat_id=chat_id, telegram_message_id=message_id
        ) or inbox.keep(
            uow.session,
            patient=patient,
            chat_id=chat_id,
            telegram_message_id=message_id,
            text=text if attachment is None else stored_text(attachment, text),
            now=now,
        )
        await uow.commit()
    # The reading runs in a thread: a long text takes the reader about 0.2 s (4,096 random
    # characters; linear in the length), which on the event loop would hold up every other
    # update, send and job for that long.
    if attachment is None:
        result = await asyncio.to_thread(classify, text)
    else:
        result = await asyncio.to_thread(read_attachment, attachment, text)
    awaiting = None
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(UNREACHABLE),
        stop=stop_after_attempt(READING_ATTEMPTS),
        wait=READING_WAIT,
        reraise=True,
    ):
        with attempt:
            awaiting = await _record(
                db, patient, stored.id, result, attachment, file_id, now=now, realert=realert
            )
    return Reading(stored.id, result, awaiting.id if awaiting is not None else None)


async def _record(
    db: Database,
    patient: Patient,
    inbound_id: int,
    result: TriageResult,
    attachment: str | None,
    file_id: str | None,
    *,
    now: datetime,
    realert: timedelta,
) -> Alert | None:
    """The reading, its alert or follow-up and its card, in one unit of work. A message
    already read (an earlier attempt committed, and only its answer was lost) is not read
    twice: its alert is returned."""
    async with db.uow() as uow:
        stored = await uow.session.get_one(InboundMessage, inbound_id)
        if stored.tier is not None:
            return await uow.session.scalar(
                select(Alert).where(Alert.inbound_message_id == inbound_id).limit(1)
            )
        followups.record_reading(stored, result)
        awaiting = await followups.await_confirmation(
            uow.session, patient=patient, message=stored, result=result, now=now, realert=realert
        )
        await conversation.record_message(  # the message becomes an item: a card for the team
            uow.session,
            patient=patient,
            inbound=stored,
            tier=result.tier.value,
            attachment=attachment,
            file_id=file_id,
            now=stored.received_at,
        )
        await uow.commit()
    return awaiting
