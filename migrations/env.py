"""Alembic environment, async. The URL comes from the Config (set by ``care.storage.migrate``) or,
for a developer running ``alembic`` directly, from SPINECARE_DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from care.storage.db import create_engine
from care.storage.models import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or os.environ.get("SPINECARE_DATABASE_URL", "sqlite+aiosqlite:///./spinecare.db")


def render_item(kind: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our UtcDateTime as a plain timezone-aware DateTime: migrations import no models."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_with)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_online())
