"""Run Alembic migrations from code (``spinecare db ...`` and ``spinecare run``)."""

from __future__ import annotations

import asyncio
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError, OperationalError

from care.domain.errors import SchemaBehind, StorageError
from care.storage.db import create_engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(str(files("migrations")))))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    except (OperationalError, DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", error)).splitlines()[0]
        raise StorageError(f"database {_safe(url)}: {reason}") from None
    finally:
        await engine.dispose()


async def require_current(url: str) -> None:
    """Refuse a schema that is not at head: only ``run`` and ``db upgrade`` change it."""
    current, head = await current_revision(url), head_revision(url)
    if current != head:
        raise SchemaBehind(
            f"the database schema is at revision {current or 'none'}, this version needs "
            f"{head}: run `spinecare db upgrade`"
        )


async def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade in a worker thread: Alembic's env runs its own event loop."""
    await _run(command.upgrade, url, revision)


async def downgrade(url: str, revision: str) -> None:
    await _run(command.downgrade, url, revision)


async def check(url: str) -> None:
    """Raise alembic.util.CommandError if the models and the migrations differ."""
    await _run(command.check, url)


async def _run(action: object, url: str, *args: str) -> None:
    try:
        await asyncio.to_thread(action, alembic_config(url), *args)  # type: ignore[arg-type]
    except (OperationalError, DBAPIError, OSError) as error:
        reason = str(getattr(error, "orig", error)).splitlines()[0]
        raise StorageError(f"database {_safe(url)}: {reason}") from None


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
