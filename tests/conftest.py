"""Shared fixtures: clean databases on SQLite and PostgreSQL, a fake clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from care.domain.clock import FakeClock
from care.storage.db import Database
from tests.databases import (
    POSTGRES_ENV,
    PostgresTemplate,
    SqliteTemplate,
    postgres_url,
    run_blocking,
)

BACKENDS = ["sqlite", "postgres"]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("CI") and not postgres_url():
        raise pytest.UsageError(f"CI must run the PostgreSQL tests: set {POSTGRES_ENV}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite"))
    run_blocking(template.prepare())
    return template


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    url = postgres_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: set {POSTGRES_ENV}")
        pytest.skip(reason=f"PostgreSQL tests need {POSTGRES_ENV} (CI always sets it)")
    template = PostgresTemplate(url)
    try:
        run_blocking(template.prepare())
    except OSError as error:
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is not reachable: {error}")
    yield template
    run_blocking(template.drop_template())


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, sqlite_template: SqliteTemplate
) -> AsyncIterator[str]:
    """A clean, migrated database: once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_template.clone()
        return
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    url = await template.clone()
    yield url
    await template.drop(url)


@pytest.fixture
async def sqlite_database_url(sqlite_template: SqliteTemplate) -> str:
    return sqlite_template.clone()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(sqlite_database_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 0, 0, tzinfo=UTC))


@pytest.fixture
def tmp_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
