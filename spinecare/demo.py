"""The sandbox's demo clock: move the care clock forward and let the scheduler catch up.

Only without a real token (``spinecare.service`` builds it for the sandbox). A move walks
through every message due on the way, stopping at each due time to run the scheduler's jobs
once (``SchedulerRunner.tick``), so each message goes out at its own time and nothing is
skipped as late; then it stops at the target. The console and the chat page share it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog

from care.domain.clock import ControllableClock
from care.storage.db import Database
from care.usecases.demo_clock import next_due

log = structlog.get_logger(__name__)

STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_STOPS = 400  # a week of the busiest plan is about 25 stops a patient-day at most
NOTHING_QUEUED = timedelta(hours=1)


class DemoClock:
    def __init__(
        self, clock: ControllableClock, db: Database, tick: Callable[[], Awaitable[object]]
    ) -> None:
        self.clock = clock
        self.db = db
        self.tick = tick
        self._lock = asyncio.Lock()

    def now(self) -> datetime:
        return self.clock.now()

    async def step(self, step: str) -> datetime:
        """``hour``, ``day`` or ``next`` (the next scheduled message); returns the new now."""
        async with self._lock:
            if step == "next":
                now = self.clock.now()
                due = await next_due(self.db, after=now)
                target = due if due is not None else now + NOTHING_QUEUED
            else:
                target = self.clock.now() + STEPS[step]
            await self._walk_to(target)
            log.info("demo_clock_moved", action="demo.clock", step=step)
            return self.clock.now()

    async def advance(self, delta: timedelta) -> datetime:
        async with self._lock:
            await self._walk_to(self.clock.now() + delta)
            return self.clock.now()

    async def _walk_to(self, target: datetime) -> None:
        for _ in range(MAX_STOPS):
            await self.tick()
            due = await next_due(self.db, after=self.clock.now())
            if due is None or due > target:
                break
            self.clock.set(due)
        if target > self.clock.now():
            self.clock.set(target)
        await self.tick()
