"""The demo clock (sandbox only): when the next message is due, and each step audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from care.domain.clock import utc_from_db
from care.storage import audit
from care.storage.db import Database
from care.storage.models import MessageState, ScheduledMessage


async def next_due(db: Database, *, after: datetime) -> datetime | None:
    """The earliest due time after ``after`` of a pending scheduled message, or None."""
    async with db.uow() as uow:
        value = await uow.session.scalar(
            select(func.min(ScheduledMessage.due_at)).where(
                ScheduledMessage.state == MessageState.PENDING, ScheduledMessage.due_at > after
            )
        )
    return utc_from_db(value)


async def record_step(
    db: Database, step: str, before: datetime, after: datetime, *, actor: str
) -> None:
    """Audit one move of the demo clock (``step``: hour, day or next)."""
    async with db.uow() as uow:
        audit.record(
            uow.session,
            at=after,
            actor=actor,
            action="demo.clock",
            subject=step,
            moved_seconds=int((after - before).total_seconds()),
        )
        await uow.commit()
