"""Clean, migrated databases for tests: one per test, cloned from a template migrated once.

SQLite: the template file is copied. PostgreSQL (``SPINECARE_TEST_POSTGRES_URL``): a database
is created per test with ``CREATE DATABASE ... TEMPLATE`` and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from care.storage import migrate

POSTGRES_ENV = "SPINECARE_TEST_POSTGRES_URL"
T = TypeVar("T")


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"

    async def prepare(self) -> None:
        await migrate.upgrade(sqlite_url(self.template))

    def clone(self) -> str:
        target = self.directory / f"t_{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(self.template, target)
        return sqlite_url(target)


class PostgresTemplate:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.template = f"spinecare_tmpl_{os.getpid()}"

    def _dsn(self, database: str) -> str:
        plain = self.url.set(drivername="postgresql", database=database)
        return plain.render_as_string(hide_password=False)

    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(self._dsn(self.url.database or "postgres"))
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    async def prepare(self) -> None:
        await self._admin(
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
            f'CREATE DATABASE "{self.template}"',
        )
        await migrate.upgrade(self.url.set(database=self.template).render_as_string(False))

    async def clone(self) -> str:
        name = f"spinecare_t_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def drop_template(self) -> None:
        await self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')

    async def fresh_database(self) -> str:
        """An empty database (no schema), for migration tests."""
        name = f"spinecare_e_{uuid.uuid4().hex[:12]}"
        await self._admin(f'CREATE DATABASE "{name}"')
        return self.url.set(database=name).render_as_string(hide_password=False)


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even while an event loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
