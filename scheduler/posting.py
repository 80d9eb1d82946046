"""Claim, send, record: the one shape of every scheduler send that a database row stands for.

No Telegram call is made inside a transaction (a paced send can wait seconds, and on SQLite
a transaction held that long makes every other writer fail with "database is locked"). So:

1. ``claim`` runs in its own short transaction: it marks the row as being sent by this
   worker, with a lease so that a dead worker's claim runs out, and returns the row and the
   message to send (or None: nothing to do);
2. the message is sent with no transaction open;
3. ``record`` runs in its own short transaction with Telegram's answer: what became of the
   row, and the claim released.

The alert escalator (scheduler/escalation.py, with care/storage/alert_posting.py) uses it for every
post; any new job that posts rows (cards, reports) should do the same. The dispatcher
(scheduler/dispatcher.py) is the same shape for batches: claim many, send, confirm in groups.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.messaging import Delivery, Messenger, Outcome, OutgoingMessage
from care.storage.db import Database

log = structlog.get_logger(__name__)

T = TypeVar("T")

Claim = Callable[[AsyncSession], Awaitable[tuple[T, OutgoingMessage] | None]]
Record = Callable[[AsyncSession, T, Delivery], Awaitable[object]]


@dataclass(frozen=True)
class Posted(Generic[T]):
    item: T
    delivery: Delivery


async def claim_send_record(
    db: Database, messenger: Messenger, *, claim: Claim[T], record: Record[T]
) -> Posted[T] | None:
    """Claim one row, send its message outside any transaction, record the outcome.

    None when there was nothing to claim. An exception from the messenger (a bug in an
    adapter) is recorded as a transient failure, so the claim is still released.
    """
    async with db.uow() as uow:
        claimed = await claim(uow.session)
        await uow.commit()
    if claimed is None:
        return None
    item, message = claimed
    try:
        delivery = await messenger.send(message)
    except Exception as error:
        log.exception("messenger_error", action="posting.error")
        delivery = Delivery(Outcome.TRANSIENT, detail=type(error).__name__[:200])
    async with db.uow() as uow:
        await record(uow.session, item, delivery)
        await uow.commit()
    return Posted(item, delivery)
