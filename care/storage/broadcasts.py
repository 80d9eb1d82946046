"""Broadcasts: one notice to many patients, sent as durable deliveries by the dispatcher.

A broadcast is not a loop in a handler. ``create`` (or ``draft`` then ``send``) writes one
``scheduled_messages`` row per recipient (kind ``broadcast``, ``broadcast_id`` set, due now,
dedupe key ``broadcast:<id>``), and the dispatcher sends them like any other message: within
Telegram's limits, under leases, surviving a restart with the duplicate bound of
``care/storage/outbox.py``. Each patient gets the text of their language, or the other one when the
broadcast has only one.

States: ``draft`` (previewed, nothing to send) -> ``sending`` -> ``done``; ``sending`` ->
``cancelling`` (pending deliveries cancelled, in-flight ones settling) -> ``cancelled``;
``draft`` -> ``discarded``. Every step is audited with ids and counts, never the text.

Who receives one is an audience, read by ``care.storage.audiences``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import require_aware
from care.domain.errors import InvalidInput, NotFound
from care.domain.kinds import MessageKind
from care.domain.plan import next_waking_instant
from care.storage import audit
from care.storage.audiences import Audience, Recipient, parse_audience, preview, recipients
from care.storage.inbox import storable
from care.storage.models import (
    Broadcast,
    DeliveryAttempt,
    MessageState,
    ScheduledMessage,
)

KIND = MessageKind.BROADCAST
TEXT_LIMIT = 4096  # Telegram's limit for one message
INSERT_CHUNK = 500

DRAFT = "draft"
SENDING = "sending"
DONE = "done"
CANCELLING = "cancelling"
CANCELLED = "cancelled"
DISCARDED = "discarded"
RUNNING = (SENDING, CANCELLING)


def _clean_texts(text_ko: str | None, text_en: str | None) -> tuple[str | None, str | None]:
    cleaned = tuple(storable(text or "").strip() or None for text in (text_ko, text_en))
    if cleaned == (None, None):
        raise InvalidInput("a broadcast needs a text")
    for text in cleaned:
        if text is not None and len(text) > TEXT_LIMIT:
            raise InvalidInput(f"a broadcast text is at most {TEXT_LIMIT} characters")
    return cleaned[0], cleaned[1]


async def draft(
    session: AsyncSession,
    *,
    text_ko: str | None,
    text_en: str | None,
    audience: Audience,
    actor: str,
    now: datetime,
    progress_chat_id: int | None = None,
) -> tuple[Broadcast, int]:
    """A previewed broadcast, nothing to send yet; returns it and the recipients counted now."""
    korean, english = _clean_texts(text_ko, text_en)
    count = await preview(session, audience, now)
    broadcast = Broadcast(
        created_by=actor[:40],
        audience=str(audience),
        text_ko=korean,
        text_en=english,
        state=DRAFT,
        created_at=now,
        progress_chat_id=progress_chat_id,
    )
    session.add(broadcast)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="broadcast.drafted",
        subject=f"broadcast:{broadcast.id}",
        audience=broadcast.audience,
        recipients=count,
    )
    return broadcast, count


async def send(session: AsyncSession, broadcast_id: int, *, actor: str, now: datetime) -> int:
    """Confirm a draft: one pending delivery per recipient, due now. Returns how many.

    A second confirmation (a double tap) finds the broadcast no longer a draft and raises
    InvalidInput: nothing is queued twice.
    """
    broadcast = await _locked(session, broadcast_id)
    if broadcast.state != DRAFT:
        raise InvalidInput(f"broadcast {broadcast_id} is {broadcast.state}, not a draft")
    found = await recipients(session, parse_audience(broadcast.audience), now)
    if not found:
        raise InvalidInput(f"no active patient matches audience {broadcast.audience}")
    rows = [_delivery(broadcast_id, recipient, now) for recipient in found]
    for index in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(ScheduledMessage), rows[index : index + INSERT_CHUNK])
    broadcast.state = SENDING
    audit.record(
        session,
        at=now,
        actor=actor,
        action="broadcast.sent",
        subject=f"broadcast:{broadcast_id}",
        audience=broadcast.audience,
        recipients=len(rows),
    )
    return len(rows)


async def create(
    session: AsyncSession,
    *,
    text_ko: str | None,
    text_en: str | None,
    audience: Audience,
    actor: str,
    now: datetime,
    progress_chat_id: int | None = None,
) -> Broadcast:
    """Draft and send at once (the CLI with --yes, tests)."""
    broadcast, _ = await draft(
        session,
        text_ko=text_ko,
        text_en=text_en,
        audience=audience,
        actor=actor,
        now=now,
        progress_chat_id=progress_chat_id,
    )
    await send(session, broadcast.id, actor=actor, now=now)
    return broadcast


def _delivery(broadcast_id: int, recipient: Recipient, now: datetime) -> dict[str, Any]:
    """Due now, or when the patient's waking window next opens: no broadcast in quiet hours."""
    due = next_waking_instant(
        require_aware(now), recipient.timezone, recipient.waking_start, recipient.waking_end
    )
    local = due.astimezone(ZoneInfo(recipient.timezone))
    key = f"{KIND}:{broadcast_id}"
    return {
        "patient_id": recipient.patient_id,
        "kind": KIND,
        "payload_key": key,
        "dedupe_key": key,
        "post_op_day": None,
        "local_date": local.date(),
        "local_time": local.time().replace(tzinfo=None),
        "timezone": recipient.timezone,
        "due_at": due.astimezone(UTC),
        "state": MessageState.PENDING,
        "attempts": 0,
        "broadcast_id": broadcast_id,
        "created_at": now,
    }


async def cancel(session: AsyncSession, broadcast_id: int, *, actor: str, now: datetime) -> int:
    """Stop a broadcast: a draft is discarded; a running one has its pending deliveries
    cancelled (those already with Telegram settle). Returns the deliveries cancelled."""
    broadcast = await _locked(session, broadcast_id)
    cancelled = 0
    if broadcast.state == DRAFT:
        broadcast.state = DISCARDED
    elif broadcast.state == SENDING:
        result = await session.execute(
            update(ScheduledMessage)
            .where(
                ScheduledMessage.broadcast_id == broadcast_id,
                ScheduledMessage.state == MessageState.PENDING,
            )
            .values(state=MessageState.CANCELLED, last_error="cancelled: broadcast")
            .execution_options(synchronize_session=False)
        )
        cancelled = max(0, int(getattr(result, "rowcount", 0) or 0))
        broadcast.state = CANCELLING
    else:
        return 0
    broadcast.cancelled_at = now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="broadcast.cancelled",
        subject=f"broadcast:{broadcast_id}",
        cancelled=cancelled,
        state=broadcast.state,
    )
    return cancelled


@dataclass(frozen=True)
class Report:
    broadcast_id: int
    state: str
    audience: str
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    pending: int = 0  # not settled yet: pending, or claimed by a worker
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.failed + self.pending + self.cancelled

    @property
    def settled(self) -> int:
        return self.total - self.pending

    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "blocked": self.blocked,
            "failed": self.failed,
            "pending": self.pending,
            "cancelled": self.cancelled,
            "total": self.total,
        }


async def report(session: AsyncSession, broadcast_id: int) -> Report:
    """What became of each delivery. Blocked: Telegram said the patient blocked the bot (403)
    or the chat is gone; such a delivery is failed for good, never retried."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    by_state = {
        MessageState(state): int(count)
        for state, count in (
            await session.execute(
                select(ScheduledMessage.state, func.count())
                .where(ScheduledMessage.broadcast_id == broadcast_id)
                .group_by(ScheduledMessage.state)
            )
        ).all()
    }
    blocked = int(
        await session.scalar(
            select(func.count(func.distinct(ScheduledMessage.id)))
            .join(DeliveryAttempt, DeliveryAttempt.scheduled_message_id == ScheduledMessage.id)
            .where(
                ScheduledMessage.broadcast_id == broadcast_id,
                ScheduledMessage.state == MessageState.FAILED,
                DeliveryAttempt.outcome == "blocked",
            )
        )
        or 0
    )
    return Report(
        broadcast_id=broadcast_id,
        state=broadcast.state,
        audience=broadcast.audience,
        sent=by_state.get(MessageState.SENT, 0),
        blocked=blocked,
        failed=by_state.get(MessageState.FAILED, 0) - blocked,
        pending=by_state.get(MessageState.PENDING, 0) + by_state.get(MessageState.CLAIMED, 0),
        cancelled=by_state.get(MessageState.CANCELLED, 0) + by_state.get(MessageState.SKIPPED, 0),
    )


async def settle(session: AsyncSession, broadcast_id: int, *, now: datetime) -> Report:
    """The report; a running broadcast with nothing left in flight becomes done or cancelled."""
    found = await report(session, broadcast_id)
    if found.state not in RUNNING or found.pending:
        return found
    broadcast = await _locked(session, broadcast_id)
    if broadcast.state not in RUNNING:
        return found
    broadcast.state = DONE if broadcast.state == SENDING else CANCELLED
    audit.record(
        session,
        at=now,
        actor="system",
        action="broadcast.finished",
        subject=f"broadcast:{broadcast_id}",
        state=broadcast.state,
        **found.counts(),
    )
    return replace(found, state=broadcast.state)


async def running(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts still sending or settling a cancellation, oldest first."""
    return list(
        await session.scalars(
            select(Broadcast).where(Broadcast.state.in_(RUNNING)).order_by(Broadcast.id)
        )
    )


async def recent(session: AsyncSession, *, limit: int = 20) -> list[Broadcast]:
    return list(await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, *, chat_id: int, message_id: int
) -> None:
    """The message that shows the broadcast's progress, edited in place until the report."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class BroadcastText:
    """What the dispatcher needs to send a broadcast's delivery."""

    id: int
    text_ko: str | None
    text_en: str | None
    state: str

    @property
    def deliverable(self) -> bool:
        return self.state == SENDING

    def text_for(self, language: str) -> str:
        """The patient's language, else the other one."""
        preferred, other = (
            (self.text_en, self.text_ko) if language == "en" else (self.text_ko, self.text_en)
        )
        text = preferred or other
        if text is None:
            raise ValueError(f"broadcast {self.id} has no text")
        return text


async def texts(session: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, BroadcastText]:
    """The texts and states of the broadcasts a claimed batch belongs to."""
    if not broadcast_ids:
        return {}
    rows = await session.execute(
        select(Broadcast.id, Broadcast.text_ko, Broadcast.text_en, Broadcast.state).where(
            Broadcast.id.in_(set(broadcast_ids))
        )
    )
    return {row.id: BroadcastText(row.id, row.text_ko, row.text_en, row.state) for row in rows}


async def _locked(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast
