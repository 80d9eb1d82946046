"""A nudge from the bot to the scheduler: "an alert was just opened, post it now".

The composition root points it at the escalator when both run in one process; with separate
processes the worker's escalation job (every few seconds) posts it instead.

Kicks coalesce: one run at a time, and at most one more waiting behind it (it starts after
the running one, so it sees everything stored by then). Every patient text kicks; a flood of
them started a run each (thousands at once in the full-size fuzz), every one with its write
transactions queued on the database.

A run that fails because the database cannot be reached now (dropped, locked, too slow) is
logged as a warning, not as an error: what it was to post is stored and stays due, and the
escalate job (every 2 s, in the same process whenever a kick has a target) posts it. A claim
the failed run had taken runs out with its lease; any other failure is an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from care.storage.db import UNREACHABLE

log = structlog.get_logger(__name__)


class Kick:
    def __init__(self) -> None:
        self.target: Callable[[], Awaitable[object]] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting = False  # a run is queued behind the running one
        self._lock: asyncio.Lock | None = None

    def __call__(self) -> None:
        if self.target is None or self._waiting:
            return  # the queued run will see what this kick is about
        self._waiting = True
        task = asyncio.ensure_future(self._run(self.target))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, target: Callable[[], Awaitable[object]]) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            self._waiting = False
            try:
                await target()
            except UNREACHABLE as error:
                log.warning("kick_deferred", action="alert.kick", error=type(error).__name__)
            except Exception:
                log.exception("kick_failed", action="alert.kick")

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
