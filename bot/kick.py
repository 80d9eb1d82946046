"""A nudge from the bot to the scheduler: "an alert was just opened, post it now".

The composition root points it at the escalator when both run in one process; with separate
processes the worker's escalation job (every few seconds) posts it instead.
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

    def __call__(self) -> None:
        if self.target is None:
            return
        task = asyncio.ensure_future(self._run(self.target))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, target: Callable[[], Awaitable[object]]) -> None:
        try:
            await target()
        except Exception:
            log.exception("kick_failed", action="alert.kick")

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
