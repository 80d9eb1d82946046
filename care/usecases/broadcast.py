"""Broadcasts: preview, draft, send (confirm), create (draft and send at once), cancel.

One use case for the CLI (``spinecare broadcast``) and the coordinators' /broadcast with its
"bc" buttons. Each function owns one short unit of work and returns what the caller shows;
nothing here talks to Telegram, so no message goes out while a transaction is open. The
dispatcher delivers the queued rows later (``care.storage.broadcasts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import Clock
from care.domain.errors import InvalidInput, NotFound
from care.storage import audiences, broadcasts
from care.storage.audiences import Audience
from care.storage.db import Database
from care.storage.models import Broadcast


@dataclass(frozen=True)
class Drafted:
    """A previewed draft: its id, audience and texts, and the recipients counted now."""

    broadcast_id: int
    audience: str
    text_ko: str | None
    text_en: str | None
    recipients: int


@dataclass(frozen=True)
class Nobody:
    """The audience matches no active patient: nothing was stored."""

    audience: str


@dataclass(frozen=True)
class Sent:
    """The draft is confirmed: one delivery queued per recipient."""

    broadcast_id: int
    audience: str
    queued: int


@dataclass(frozen=True)
class Stale:
    """The draft was already sent, discarded, or nobody matches any more: nothing queued."""

    broadcast_id: int
    reason: str


@dataclass(frozen=True)
class Cancelled:
    """A draft discarded (``was_draft``) or a running broadcast stopping (``cancelled`` rows)."""

    broadcast_id: int
    was_draft: bool
    cancelled: int


@dataclass(frozen=True)
class Created:
    """Drafted and sent at once (the CLI): the id and the delivery counts by state."""

    broadcast_id: int
    audience: str
    counts: dict[str, int]


async def preview(db: Database, clock: Clock, audience: str) -> tuple[Audience, int]:
    """How many active patients the audience matches now (InvalidInput if it does not parse)."""
    parsed = audiences.parse_audience(audience)
    async with db.uow() as uow:
        return parsed, await audiences.preview(uow.session, parsed, clock.now())


async def draft(
    db: Database,
    clock: Clock,
    *,
    text_ko: str | None,
    text_en: str | None,
    audience: str,
    actor: str,
    progress_chat_id: int | None,
) -> Drafted | Nobody:
    """Store a draft to preview, or nothing when the audience matches nobody."""
    parsed = audiences.parse_audience(audience)
    now = clock.now()
    async with db.uow() as uow:
        if await audiences.preview(uow.session, parsed, now) == 0:
            return Nobody(str(parsed))
        stored, count = await broadcasts.draft(
            uow.session,
            text_ko=text_ko,
            text_en=text_en,
            audience=parsed,
            actor=actor,
            now=now,
            progress_chat_id=progress_chat_id,
        )
        await uow.commit()
    return Drafted(stored.id, stored.audience, stored.text_ko, stored.text_en, count)


async def _belonging(session: AsyncSession, broadcast_id: int, chat_id: int | None) -> Broadcast:
    """The broadcast, if it is one the chat may act on (any, for the CLI's ``chat_id`` None)."""
    found = await session.get(Broadcast, broadcast_id)
    if chat_id is None:
        if found is None:
            raise NotFound(f"no broadcast {broadcast_id}")
        return found
    if found is None or found.progress_chat_id != chat_id:
        raise InvalidInput(f"broadcast {broadcast_id} does not belong to this chat")
    return found


async def send(
    db: Database,
    clock: Clock,
    broadcast_id: int,
    *,
    actor: str,
    chat_id: int | None,
    progress_message_id: int | None = None,
) -> Sent | Stale:
    """Confirm a draft: queue one delivery per recipient; the preview becomes the progress
    message (``progress_message_id``). A double tap finds it no longer a draft: ``Stale``.

    ``chat_id`` is the chat the button was pressed in: a broadcast of another chat is refused
    (InvalidInput). None (the CLI) accepts any broadcast.
    """
    async with db.uow() as uow:
        found = await _belonging(uow.session, broadcast_id, chat_id)
        try:
            queued = await broadcasts.send(uow.session, broadcast_id, actor=actor, now=clock.now())
        except InvalidInput as error:
            return Stale(broadcast_id, str(error))
        if chat_id is not None and progress_message_id is not None:
            await broadcasts.set_progress_message(
                uow.session, broadcast_id, chat_id=chat_id, message_id=progress_message_id
            )
        audience = found.audience
        await uow.commit()
    return Sent(broadcast_id, audience, queued)


async def cancel(
    db: Database, clock: Clock, broadcast_id: int, *, actor: str, chat_id: int | None = None
) -> Cancelled:
    """Discard a draft, or stop a running broadcast (its pending deliveries are cancelled)."""
    async with db.uow() as uow:
        found = await _belonging(uow.session, broadcast_id, chat_id)
        was_draft = found.state == broadcasts.DRAFT
        cancelled = await broadcasts.cancel(uow.session, broadcast_id, actor=actor, now=clock.now())
        await uow.commit()
    return Cancelled(broadcast_id, was_draft, cancelled)


async def create(
    db: Database,
    clock: Clock,
    *,
    text_ko: str | None,
    text_en: str | None,
    audience: str,
    actor: str,
    progress_chat_id: int | None,
) -> Created:
    """Draft and send at once (``spinecare broadcast --yes``); InvalidInput if nobody matches."""
    parsed = audiences.parse_audience(audience)
    async with db.uow() as uow:
        created = await broadcasts.create(
            uow.session,
            text_ko=text_ko,
            text_en=text_en,
            audience=parsed,
            actor=actor,
            now=clock.now(),
            progress_chat_id=progress_chat_id,
        )
        await uow.commit()
    async with db.uow() as uow:
        report = await broadcasts.report(uow.session, created.id)
    return Created(created.id, str(parsed), report.counts())


@dataclass(frozen=True)
class Shown:
    """One broadcast's page: the row, its report (settled first), and the recipients a draft
    would reach now (None once it is no longer a draft)."""

    item: Broadcast
    report: broadcasts.Report
    recipients: int | None


async def show(db: Database, clock: Clock, broadcast_id: int) -> Shown:
    """The broadcast and its report; a running one with nothing left in flight is settled as
    done or cancelled first. NotFound if there is no such broadcast."""
    now = clock.now()
    async with db.uow() as uow:
        report = await broadcasts.settle(uow.session, broadcast_id, now=now)
        await uow.commit()
        item = await uow.session.get(Broadcast, broadcast_id)
        if item is None:
            raise NotFound(f"no broadcast {broadcast_id}")
        recipients = None
        if item.state == broadcasts.DRAFT:
            recipients = await audiences.preview(
                uow.session, audiences.parse_audience(item.audience), now
            )
    return Shown(item, report, recipients)


async def recent(db: Database, *, limit: int = 20) -> list[tuple[Broadcast, dict[str, int]]]:
    """The latest broadcasts with their delivery counts by state."""
    async with db.uow() as uow:
        return [
            (item, (await broadcasts.report(uow.session, item.id)).counts())
            for item in await broadcasts.recent(uow.session, limit=limit)
        ]
