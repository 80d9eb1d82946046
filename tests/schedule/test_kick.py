"""Kicks coalesce: a flood of patient texts starts one run at a time and one more after it."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from bot.kick import Kick


async def test_a_flood_of_kicks_runs_the_target_once_and_once_more_after() -> None:
    runs = 0
    release = asyncio.Event()

    async def target() -> None:
        nonlocal runs
        runs += 1
        await release.wait()

    kick = Kick()
    kick.target = target
    kick()
    await asyncio.sleep(0)  # the first run starts and waits
    for _ in range(1_000):  # texts stored while it runs
        kick()
    release.set()
    await kick.drain()
    assert runs == 2  # the running one, and one that sees all that came in meanwhile
    kick()
    await kick.drain()
    assert runs == 3  # a later kick runs again


async def test_a_run_the_database_cannot_take_now_is_left_to_the_job_a_bug_is_an_error() -> None:
    """Issue 14's fuzz counted a kicked run that hit "database is locked" as a traceback: what
    it was to post stays due and the escalate job posts it, so it is a warning. A bug is not."""
    failures: list[Exception] = [
        OperationalError("UPDATE alerts", {}, Exception("database is locked")),
        ValueError("a bug"),
    ]

    async def target() -> None:
        raise failures.pop(0)

    kick = Kick()
    kick.target = target
    with capture_logs() as logs:
        kick()
        await kick.drain()
        kick()
        await kick.drain()
    assert [(e["event"], e["log_level"]) for e in logs] == [
        ("kick_deferred", "warning"),
        ("kick_failed", "error"),
    ]
