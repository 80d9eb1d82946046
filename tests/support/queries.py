"""What a test reads back from the database: outbox rows and states, attempts, audit."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from care.storage.db import Database
from care.storage.models import (
    AuditEntry,
    DeliveryAttempt,
    MessageState,
    Patient,
    ScheduledMessage,
)


async def rows(db: Database, patient_id: int | None = None) -> list[ScheduledMessage]:
    async with db.session() as session:
        query = select(ScheduledMessage).order_by(ScheduledMessage.due_at, ScheduledMessage.id)
        if patient_id is not None:
            query = query.where(ScheduledMessage.patient_id == patient_id)
        return list(await session.scalars(query))


async def states(db: Database, broadcast_id: int | None = None) -> Counter[str]:
    """How many scheduled messages are in each state (of one broadcast, if given)."""
    async with db.session() as session:
        query = select(ScheduledMessage.state, func.count()).group_by(ScheduledMessage.state)
        if broadcast_id is not None:
            query = query.where(ScheduledMessage.broadcast_id == broadcast_id)
        found = await session.execute(query)
        return Counter({MessageState(state).value: count for state, count in found.all()})


async def attempts(db: Database, message_id: int) -> list[DeliveryAttempt]:
    async with db.session() as session:
        return list(
            await session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.scheduled_message_id == message_id)
                .order_by(DeliveryAttempt.id)
            )
        )


async def patient(db: Database, patient_id: int) -> Patient:
    async with db.session() as session:
        found = await session.get(Patient, patient_id)
        assert found is not None
        return found


async def audit_entries(db: Database, action: str | None = None) -> list[AuditEntry]:
    """The audit trail in order (only ``action``'s entries, if given)."""
    async with db.session() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(await session.scalars(query))


async def audit_actions(db: Database) -> list[str]:
    return [entry.action for entry in await audit_entries(db)]
