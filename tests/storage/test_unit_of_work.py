"""The unit of work rolls back unless committed."""

from __future__ import annotations

import asyncio
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


async def test_sqlite_units_of_work_take_turns_instead_of_failing_past_the_busy_timeout(
    sqlite_database_url: str,
) -> None:
    """Issue 14's full-size fuzz: a patient's text failed with "database is locked" though no
    transaction held SQLite's write lock for more than 0.3 s. SQLite's busy handler polls (up
    to 100 ms apart) and serves no queue, so under a flood of short write transactions one
    writer waited past the 5 s busy timeout while others took the lock again and again.

    Here each writer holds the lock across event-loop turns (20 ms, as a use case does
    between its statements) and twenty of them together hold it longer than the busy
    timeout: each must wait its turn, in the order it came, and none may fail.
    """
    db = Database(sqlite_database_url, busy_timeout_ms=100)
    finished: list[int] = []

    async def writer(n: int) -> None:
        async with db.uow() as uow:
            uow.session.add(AuditEntry(at=NOW, actor="system", action=f"write {n}", detail={}))
            await uow.session.flush()  # the write lock is taken here
            await asyncio.sleep(0.02)
            await uow.commit()
        finished.append(n)

    try:
        results = await asyncio.gather(*(writer(n) for n in range(20)), return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert finished == list(range(20))  # first come, first served
    finally:
        await db.dispose()
