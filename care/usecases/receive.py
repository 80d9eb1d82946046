"""Keep first, then think: every update is recorded before anything reads or answers.

``receive`` runs before any handler. In one short transaction it records the update (its
``update_id`` and, for a new message, its chat and message id: both unique, so an update
delivered twice is recognised) and, for a patient's own message, stores what they wrote.
When the database cannot be reached the update goes to the local journal instead and is
replayed when the database is back: nothing a patient sends is lost, nothing is doubled.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from care.storage import inbox, patients
from care.storage.db import UNREACHABLE, Database
from care.storage.journal import Journal
from care.storage.models import PatientStatus, ReceivedUpdate

log = structlog.get_logger(__name__)

# Only updates the database cannot take now (care.storage.db.UNREACHABLE) are journaled and
# retried; one it will never take is refused.
MAX_BIGINT = 2**63 - 1
# Telegram keeps an unconfirmed update for 24 hours: a week of update ids covers any redelivery.
REMEMBER_UPDATES = timedelta(days=7)

# Longer than SQLite's busy timeout (a lock is waited out first), short enough that the
# patient hears back quickly while PostgreSQL hangs.
STORE_TIMEOUT_SECONDS = 8.0


class Outcome(enum.StrEnum):
    STORED = "stored"  # new: handle it
    DUPLICATE = "duplicate"  # seen before: handled once already, do nothing
    JOURNALED = "journaled"  # database down: kept locally, replayed later
    REFUSED = "refused"  # not a shape Telegram sends (ids out of range): changes nothing


@dataclass(frozen=True)
class Incoming:
    """The fields of an update that keeping it needs (no Telegram types)."""

    update_id: int
    kind: str
    chat_id: int | None = None
    message_id: int | None = None
    private: bool = False
    keep_text: str | None = None  # what a patient wrote (or "[photo] caption"); None: nothing
    raw: dict[str, Any] | None = None  # the update as sent, for the journal

    @property
    def message_key(self) -> str | None:
        if self.kind != "message" or self.chat_id is None or self.message_id is None:
            return None
        return f"{self.chat_id}:{self.message_id}"


@dataclass(frozen=True)
class Receipt:
    outcome: Outcome
    inbound_id: int | None = None


async def receive(db: Database, journal: Journal, incoming: Incoming, *, now: datetime) -> Receipt:
    """Record the update (and a patient's text) once; journal it when the database is down."""
    ids = (incoming.update_id, incoming.chat_id or 0, incoming.message_id or 0)
    if not all(-MAX_BIGINT <= value <= MAX_BIGINT for value in ids) or incoming.update_id < 0:
        log.warning("update_refused", action="update.refused", reason="id out of range")
        return Receipt(Outcome.REFUSED)
    try:
        async with asyncio.timeout(STORE_TIMEOUT_SECONDS):
            return await _store(db, incoming, now)
    except IntegrityError:
        log.info(
            "update_duplicate",
            action="update.duplicate",
            update_id=incoming.update_id,
            chat_id=incoming.chat_id,
        )
        return Receipt(Outcome.DUPLICATE)
    except UNREACHABLE as error:
        await asyncio.to_thread(journal.append, incoming.raw or {"update_id": incoming.update_id})
        log.warning(
            "update_journaled",
            action="update.journaled",
            update_id=incoming.update_id,
            chat_id=incoming.chat_id,
            error=type(error).__name__,
        )
        return Receipt(Outcome.JOURNALED)
    except SQLAlchemyError as error:  # the database answered and will never take this update
        log.error(
            "update_not_stored",
            action="update.refused",
            update_id=incoming.update_id,
            error=type(error).__name__,
        )
        return Receipt(Outcome.REFUSED)


async def _store(db: Database, incoming: Incoming, now: datetime) -> Receipt:
    async with db.uow() as uow:
        row = ReceivedUpdate(
            update_id=incoming.update_id,
            message_key=incoming.message_key,
            kind=incoming.kind[:24],
            chat_id=incoming.chat_id,
            received_at=now,
        )
        uow.session.add(row)
        await uow.session.flush()  # a duplicate fails here, before anything else is written
        if incoming.keep_text is not None and incoming.private and incoming.chat_id is not None:
            patient = await patients.by_chat(uow.session, incoming.chat_id)
            if patient is not None and patient.status != PatientStatus.DELETED:
                kept = inbox.keep(
                    uow.session,
                    patient=patient,
                    chat_id=incoming.chat_id,
                    telegram_message_id=incoming.message_id,
                    text=incoming.keep_text,
                    now=now,
                )
                await uow.session.flush()
                row.inbound_message_id = kept.id
        await uow.commit()
        return Receipt(Outcome.STORED, row.inbound_message_id)


async def forget_old_updates(db: Database, *, now: datetime) -> int:
    """Drop the record of updates older than ``REMEMBER_UPDATES`` (what they kept stays)."""
    async with db.uow() as uow:
        result = await uow.session.execute(
            delete(ReceivedUpdate).where(ReceivedUpdate.received_at < now - REMEMBER_UPDATES)
        )
        await uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)
