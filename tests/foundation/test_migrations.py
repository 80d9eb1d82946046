"""The schema comes only from Alembic: up, down and up again, matching the models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from care.storage import migrate
from care.storage.db import Database
from care.storage.models import Base
from tests.databases import PostgresTemplate, sqlite_url


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
        return
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    url = await template.fresh_database()
    yield url
    await template.drop(url)


async def table_names(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await database.dispose()


async def test_migrations_upgrade_downgrade_and_upgrade_again(empty_database_url: str) -> None:
    url = empty_database_url
    await migrate.upgrade(url)
    assert await migrate.current_revision(url) == migrate.head_revision(url)
    assert set(Base.metadata.tables) <= await table_names(url)

    await migrate.downgrade(url, "base")
    assert await migrate.current_revision(url) is None
    assert await table_names(url) <= {"alembic_version"}

    await migrate.upgrade(url)
    assert await migrate.current_revision(url) == migrate.head_revision(url)


async def test_models_and_migrations_do_not_drift(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    await migrate.check(empty_database_url)  # raises alembic.util.CommandError on drift


async def test_audit_log_refuses_updates_and_deletes(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, detail) "
                "VALUES (CURRENT_TIMESTAMP, 'system', 'test', '{}')"
            )
        )
    for statement in ("UPDATE audit_log SET action = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with db.engine.begin() as connection:
                await connection.execute(text(statement))
    async with db.engine.connect() as connection:
        actions = (await connection.execute(text("SELECT action FROM audit_log"))).scalars().all()
    assert actions == ["test"]


async def test_sqlite_connections_use_wal_and_a_busy_timeout(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    assert (mode, timeout, foreign_keys) == ("wal", 5000, 1)


async def test_an_unreachable_database_is_one_clear_storage_error() -> None:
    from care.domain.errors import StorageError

    with pytest.raises(StorageError, match=r"127\.0\.0\.1:1"):
        await migrate.upgrade("postgresql+asyncpg://nobody@127.0.0.1:1/none")


async def test_a_consent_given_before_0003_stands_for_health_data_too(
    empty_database_url: str,
) -> None:
    """The one consent of text 2026-11-v1 asked "including your health information"."""
    url = empty_database_url
    await migrate.upgrade(url, "0001")
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            for code, consented in (("P-OLD", "'2026-11-21 01:00:00+00:00'"), ("P-NEW", "NULL")):
                await connection.execute(
                    text(
                        "INSERT INTO patients (code, language, timezone, status, waking_start, "
                        "waking_end, consent_version, consented_at, created_at, updated_at) "
                        f"VALUES ('{code}', 'ko', 'Asia/Seoul', 'ACTIVE', '08:00:00', "
                        f"'21:00:00', '2026-11-v1', {consented}, "
                        "'2026-11-21 01:00:00+00:00', '2026-11-21 01:00:00+00:00')"
                    )
                )
    finally:
        await database.dispose()
    await migrate.upgrade(url, "0003")
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT code, health_consent_version FROM patients ORDER BY code")
                )
            ).all()
    finally:
        await database.dispose()
    assert [tuple(row) for row in rows] == [("P-NEW", None), ("P-OLD", "2026-11-v1")]
