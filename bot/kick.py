"""A nudge from the bot to the scheduler: "an alert was just opened, post it now".

The composition root points it at the escalator when both run in one process; with separate
processes the worker's escalation job (every few seconds) posts it instead.

Kicks coalesce: one run at a time, and at most one more waiting behind it (it starts after
the running one, so it sees everything stored by then). Every patient text kicks; a flood of
them started a run each (thousands at once in the full-size fuzz), every one with its write
transactions queued on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

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
            except Exception:
                log.exception("kick_failed", action="alert.kick")

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
