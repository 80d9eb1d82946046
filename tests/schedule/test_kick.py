"""Kicks coalesce: a flood of patient texts starts one run at a time and one more after it."""

from __future__ import annotations

import asyncio

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
