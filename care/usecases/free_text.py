"""What a patient types, read: kept whole first (its own unit of work, committed before any
reading), then read for warning signs, with its alert or follow-up question and its
conversation item (the team's card) in a second one.

The caller (bot/free_text.py) kicks the alert poster and answers the patient after both
commits. Nothing here talks to Telegram.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from care.domain.clock import Clock
from care.domain.triage import TriageResult, classify
from care.domain.triage.attachments import read_attachment, stored_text
from care.storage import conversation, followups, inbox
from care.storage.db import Database
from care.storage.models import InboundMessage, Patient


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
    async with db.uow() as uow:
        stored = await uow.session.get_one(InboundMessage, stored.id)
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
    return Reading(stored.id, result, awaiting.id if awaiting is not None else None)
