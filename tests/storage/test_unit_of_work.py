"""The unit of work rolls back unless committed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from care.storage.db import Database
from care.storage.models import AuditEntry

NOW = datetime(2026, 11, 20, tzinfo=UTC)


async def test_rolls_back_uncommitted_work_by_default(db: Database) -> None:
    async with db.uow() as uow:
        uow.session.add(AuditEntry(at=NOW, actor="system", action="x", detail={}))
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_committed_work_stays_and_objects_remain_readable(db: Database) -> None:
    async with db.uow() as uow:
        entry = AuditEntry(at=NOW, actor="system", action="kept", detail={})
        uow.session.add(entry)
        await uow.commit()
    assert entry.action == "kept"
    assert entry.at == NOW
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1
