"""What the drills share: a database that goes down and comes back, counts of what was kept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select

from care.storage.db import Database, create_engine, session_factory
from care.storage.models import Alert, AuditEntry, InboundMessage, ReceivedUpdate

# Nothing listens on port 9 (discard) here: connections are refused at once, as when the
# PostgreSQL server is stopped.
UNREACHABLE = "postgresql+asyncpg://spinecare@127.0.0.1:9/spinecare"


@asynccontextmanager
async def database_down(db: Database) -> AsyncIterator[None]:
    """Point the service's engine at a PostgreSQL that is not there, then back."""
    engine, sessions = db.engine, db.sessions
    dead = create_engine(UNREACHABLE)
    db.engine, db.sessions = dead, session_factory(dead)
    try:
        yield
    finally:
        db.engine, db.sessions = engine, sessions
        await dead.dispose()


async def counts(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in (
                ("inbound", InboundMessage),
                ("updates", ReceivedUpdate),
                ("alerts", Alert),
                ("audit", AuditEntry),
            )
        }


async def kept_texts(db: Database) -> list[str]:
    async with db.session() as session:
        return list((await session.scalars(select(InboundMessage.text))).all())
