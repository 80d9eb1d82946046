"""The demo clock's one question to the schedule: when is the next message due?"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from care.domain.clock import utc_from_db
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
