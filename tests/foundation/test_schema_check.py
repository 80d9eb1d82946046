"""Only ``spinecare run`` and ``spinecare db upgrade`` change the schema; other commands refuse
a schema that is behind with one line that says what to run."""

from __future__ import annotations

from pathlib import Path

from care.storage import migrate
from tests.databases import sqlite_url
from tests.support.cli import run_async


async def test_a_command_on_a_database_behind_says_run_db_upgrade_and_changes_nothing(
    tmp_path: Path,
) -> None:
    url = sqlite_url(tmp_path / "old.db")
    await migrate.upgrade(url, "0001")
    env: dict[str, str | None] = {"SPINECARE_DATABASE_URL": url, "SPINECARE_TELEGRAM_TOKEN": None}

    refused = await run_async("patient", "list", "--json", env=env)

    assert refused.exit_code == 3 and refused.stdout == b""
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("spinecare: the database schema is at revision 0001")
    assert line.endswith("run `spinecare db upgrade`")
    assert await migrate.current_revision(url) == "0001"

    assert (await run_async("db", "upgrade", env=env)).exit_code == 0
    listed = await run_async("patient", "list", "--json", env=env)
    assert (listed.exit_code, listed.stdout.strip()) == (0, b"[]")


async def test_a_command_on_an_empty_database_does_not_create_the_schema(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "empty.db")
    env: dict[str, str | None] = {"SPINECARE_DATABASE_URL": url, "SPINECARE_TELEGRAM_TOKEN": None}
    refused = await run_async(
        "enroll", "--surgery-date", "2026-11-20", "--approach", "transforaminal", env=env
    )
    assert refused.exit_code == 3
    assert "revision none" in refused.stderr and "spinecare db upgrade" in refused.stderr
    assert await migrate.current_revision(url) is None
