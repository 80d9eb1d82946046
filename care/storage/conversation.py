"""A patient's conversation with the care team: every inbound message or event is an item.

Inbound items (``direction`` "in"): free text of any tier, an attachment with its caption, a
check-in's free-text note, a disputed surgery date, and the events /pause, /resume, /stop,
/delete and unreachable. Each moves ``new -> seen -> handled``, with who and when, and is
posted to the coordinators' group as a card. Outbound items ("out") are the team's replies,
delivered to the patient.

``post_state`` makes the table its own outbox: ``pending -> claimed -> posted | failed``, a
claim carrying a lease; the card poster (scheduler/cards.py) claims in one short
transaction, sends with no transaction open, and records in another. Whether a card is
posted never depends on the tier: the reader only decides how loud it is.

/delete erases the items with the patient's other rows (care/storage/privacy.py walks the foreign
keys); the deletion itself is then recorded as an item without text, so the team learns of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.kinds import ItemKind
from care.storage import audit
from care.storage.models import (
    Alert,
    AlertState,
    CardPost,
    CheckIn,
    CheckInAnswer,
    ConversationItem,
    InboundMessage,
    Patient,
)

IN, OUT = "in", "out"
NEW, SEEN, HANDLED = "new", "seen", "handled"
PENDING, CLAIMED, POSTED, FAILED = "pending", "claimed", "posted", "failed"

EventKind = Literal[
    ItemKind.DATE_DISPUTE,
    ItemKind.PAUSE,
    ItemKind.RESUME,
    ItemKind.STOP,
    ItemKind.DELETE,
    ItemKind.UNREACHABLE,
]
# How loud an event's card is: red and amber notify, green is posted silently.
EVENT_TIERS: dict[ItemKind, str] = {
    ItemKind.DATE_DISPUTE: "amber",  # the patient was promised the nurse checks the date
    ItemKind.PAUSE: "green",
    ItemKind.RESUME: "green",
    ItemKind.STOP: "amber",  # no more reminders: someone should know why
    ItemKind.DELETE: "amber",  # red when an urgent alert was still open
    ItemKind.UNREACHABLE: "red",  # CLINICAL.md: a patient who blocks the bot alerts at once
}
MAX_POST_ATTEMPTS = 5
# The patient code of a card that holds several patients' items (no code has a "*").
SEVERAL_PATIENTS = "*"
TELEGRAM_TEXT_LIMIT = 4096


def _item(patient: Patient, *, now: datetime, **fields: object) -> ConversationItem:
    values: dict[str, object] = {
        "patient_id": patient.id,
        "direction": IN,
        "state": NEW,
        "created_at": now,
        "post_state": PENDING,
        "post_attempts": 0,
    }
    values.update(fields)
    return ConversationItem(**values)


async def record_message(
    session: AsyncSession,
    *,
    patient: Patient,
    inbound: InboundMessage,
    tier: str | None,
    attachment: str | None = None,
    file_id: str | None = None,
    now: datetime,
) -> ConversationItem:
    """The item of a stored inbound message (one per message: a second call updates the tier)."""
    item = await session.scalar(
        select(ConversationItem).where(ConversationItem.inbound_message_id == inbound.id)
    )
    if item is not None:
        item.tier = tier or item.tier
        item.attachment = attachment or item.attachment
        item.file_id = file_id or item.file_id
        return item
    item = _item(
        patient,
        now=now,
        kind=ItemKind.ATTACHMENT if attachment else ItemKind.TEXT,
        text=inbound.text if attachment is None else (inbound.text or None),
        tier=tier,
        attachment=attachment,
        file_id=file_id,
        chat_message_id=inbound.telegram_message_id,
        inbound_message_id=inbound.id,
    )
    session.add(item)
    await session.flush()
    return item


def record_note(
    session: AsyncSession,
    *,
    patient: Patient,
    checkin_id: int | None,
    text: str,
    tier: str | None,
    chat_message_id: int | None,
    now: datetime,
) -> ConversationItem:
    """A check-in's free-text note, as the patient typed it."""
    item = _item(
        patient,
        now=now,
        kind=ItemKind.NOTE,
        text=text,
        tier=tier,
        checkin_id=checkin_id,
        chat_message_id=chat_message_id,
    )
    session.add(item)
    return item


def record_event(
    session: AsyncSession,
    *,
    patient: Patient,
    kind: EventKind,
    now: datetime,
    tier: str | None = None,
) -> ConversationItem:
    """/pause, /resume, /stop, /delete, a disputed date or unreachable: a card for the team."""
    item = _item(patient, now=now, kind=kind, tier=tier or EVENT_TIERS[kind])
    session.add(item)
    return item


def record_reply(
    session: AsyncSession, *, patient: Patient, text: str, author: str, now: datetime
) -> ConversationItem:
    """The team's answer to the patient: delivered by the card poster, already handled."""
    item = _item(
        patient,
        now=now,
        direction=OUT,
        kind=ItemKind.REPLY,
        text=text,
        author=author,
        state=HANDLED,
        handled_by=author,
        handled_at=now,
    )
    session.add(item)
    return item


async def open_red_alert(session: AsyncSession, patient: Patient) -> bool:
    """True when the patient has an urgent alert nobody has acknowledged yet."""
    found = await session.scalar(
        select(Alert.id)
        .where(
            Alert.patient_id == patient.id,
            Alert.state == AlertState.OPEN,
            Alert.severity == "red",
        )
        .limit(1)
    )
    return found is not None


# -- the card outbox ------------------------------------------------------------------------


async def sweep_unrecorded(
    session: AsyncSession, *, now: datetime, older_than: timedelta, after_id: int, batch: int = 500
) -> int:
    """Items for stored messages that have none (the process died between storing a message
    and reading it). Walks inbound messages by id from ``after_id`` and stops at the first one
    younger than ``older_than`` (the reader may still be on it); returns the id reached."""
    rows = (
        await session.execute(
            select(InboundMessage, ConversationItem.id)
            .outerjoin(ConversationItem, ConversationItem.inbound_message_id == InboundMessage.id)
            .where(InboundMessage.id > after_id)
            .order_by(InboundMessage.id)
            .limit(batch)
        )
    ).all()
    reached = after_id
    for inbound, item_id in rows:
        if inbound.received_at > now - older_than:
            break
        if item_id is None and inbound.patient_id is not None:
            patient = await session.get_one(Patient, inbound.patient_id)
            await record_message(
                session,
                patient=patient,
                inbound=inbound,
                tier=inbound.tier,
                now=inbound.received_at,
            )
        reached = inbound.id
    return reached


async def claim_posts(
    session: AsyncSession, *, now: datetime, lease: timedelta, batch: int
) -> list[ConversationItem]:
    """Pending items and claimed ones whose lease ran out, oldest first, now claimed."""
    items = list(
        await session.scalars(
            select(ConversationItem)
            .where(
                or_(
                    ConversationItem.post_state == PENDING,
                    and_(
                        ConversationItem.post_state == CLAIMED,
                        ConversationItem.lease_until < now,
                    ),
                )
            )
            .order_by(ConversationItem.created_at, ConversationItem.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    for item in items:
        item.post_state = CLAIMED
        item.lease_until = now + lease
        item.post_attempts += 1
    return items


def record_card_posts(
    session: AsyncSession,
    *,
    item_id: int | None,
    patient_code: str,
    chat_id: int,
    message_ids: Sequence[int],
    now: datetime,
) -> None:
    for message_id in message_ids:
        session.add(
            CardPost(
                item_id=item_id,
                patient_code=patient_code,
                chat_id=chat_id,
                message_id=message_id,
                posted_at=now,
            )
        )


async def card_at(session: AsyncSession, *, chat_id: int, message_id: int) -> CardPost | None:
    return await session.scalar(
        select(CardPost).where(CardPost.chat_id == chat_id, CardPost.message_id == message_id)
    )


# -- the inbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    item: ConversationItem
    patient: Patient


async def count_open(session: AsyncSession, *, before: datetime | None = None) -> int:
    query = (
        select(func.count())
        .select_from(ConversationItem)
        .where(ConversationItem.direction == IN, ConversationItem.state != HANDLED)
    )
    if before is not None:
        query = query.where(ConversationItem.created_at < before)
    return int(await session.scalar(query) or 0)


async def entries(
    session: AsyncSession,
    *,
    include_handled: bool = False,
    offset: int = 0,
    limit: int = 10,
    before: datetime | None = None,
) -> list[InboxEntry]:
    """Inbound items, oldest first: the unhandled ones, or all of them."""
    query = (
        select(ConversationItem, Patient)
        .join(Patient, Patient.id == ConversationItem.patient_id)
        .where(ConversationItem.direction == IN)
        .order_by(ConversationItem.created_at, ConversationItem.id)
        .offset(offset)
        .limit(limit)
    )
    if not include_handled:
        query = query.where(ConversationItem.state != HANDLED)
    if before is not None:
        query = query.where(ConversationItem.created_at < before)
    return [InboxEntry(item, patient) for item, patient in (await session.execute(query)).all()]


async def mark_seen(
    session: AsyncSession, items: Sequence[ConversationItem], *, actor: str, now: datetime
) -> int:
    """New items shown to a person become seen (audited, ids only)."""
    ids = [item.id for item in items if item.state == NEW]
    if not ids:
        return 0
    await session.execute(
        update(ConversationItem)
        .where(ConversationItem.id.in_(ids), ConversationItem.state == NEW)
        .values(state=SEEN, seen_by=actor, seen_at=now)
        .execution_options(synchronize_session="fetch")
    )
    audit.record(session, at=now, actor=actor, action="conversation.seen", items=ids)
    return len(ids)


async def mark_handled(
    session: AsyncSession, item_id: int, *, actor: str, now: datetime
) -> ConversationItem | None:
    """Handled, with who and when (audited). None when there is no such inbound item."""
    item = await session.get(ConversationItem, item_id, with_for_update=True)
    if item is None or item.direction != IN:
        return None
    if item.state == HANDLED:
        return item
    if item.seen_at is None:
        item.seen_by, item.seen_at = actor, now
    item.state, item.handled_by, item.handled_at = HANDLED, actor, now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="conversation.handled",
        subject=f"item:{item.id}",
        patient_id=item.patient_id,
    )
    return item


async def recent(
    session: AsyncSession, patient: Patient, *, limit: int = 5
) -> list[ConversationItem]:
    """The patient's last items, newest first (for /patient)."""
    return list(
        await session.scalars(
            select(ConversationItem)
            .where(ConversationItem.patient_id == patient.id)
            .order_by(ConversationItem.created_at.desc(), ConversationItem.id.desc())
            .limit(limit)
        )
    )


async def last_checkin_answers(session: AsyncSession, patient: Patient) -> list[tuple[str, str]]:
    """The answers of the patient's latest check-in, in the order given."""
    latest = await session.scalar(
        select(CheckIn.id)
        .where(CheckIn.patient_id == patient.id)
        .order_by(CheckIn.started_at.desc(), CheckIn.id.desc())
        .limit(1)
    )
    if latest is None:
        return []
    rows = await session.scalars(
        select(CheckInAnswer).where(CheckInAnswer.checkin_id == latest).order_by(CheckInAnswer.id)
    )
    return [(row.question, row.answer) for row in rows]


async def all_items(session: AsyncSession) -> list[tuple[ConversationItem, Patient]]:
    """Every item of every patient, oldest first (the messages export)."""
    rows = await session.execute(
        select(ConversationItem, Patient)
        .join(Patient, Patient.id == ConversationItem.patient_id)
        .order_by(ConversationItem.created_at, ConversationItem.id)
    )
    return [(item, patient) for item, patient in rows.all()]


# -- pure helpers ---------------------------------------------------------------------------


def post_op_day(patient: Patient, now: datetime) -> int | None:
    if patient.surgery_date is None:
        return None
    return (now.astimezone(ZoneInfo(patient.timezone)).date() - patient.surgery_date).days


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters that join back to ``text`` exactly.

    Cut at a line break, else a space, in the second half of the window; a word longer than
    half a message is cut where it must be. Nothing is ever dropped.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit - 1
        pieces.append(rest[: cut + 1])
        rest = rest[cut + 1 :]
    if rest or not pieces:
        pieces.append(rest)
    return pieces
