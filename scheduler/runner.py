"""The scheduler's ticks: APScheduler 3 interval jobs over the durable schedule table.

APScheduler holds no per-patient jobs and nothing durable (an in-memory job store with three
interval jobs); the truth is ``scheduled_messages`` and ``alerts``. So any number of worker
processes can run this against one PostgreSQL database, and memory stays flat.

==========  ==============================  ===============================================
job         every                           does
==========  ==============================  ===============================================
extend      10 min, and once at start       materialise active patients' plans 3 days ahead
dispatch    1 s (max 1 instance, coalesce)  claim and send due messages until none are left
escalate    2 s                             post due alerts, re-post unacknowledged red ones;
                                            post conversation cards, deliver team replies;
                                            the inbox digest at the start of office hours;
                                            edit running broadcasts' progress, final report
==========  ==============================  ===============================================

``tick()`` runs each job once, in that order, without APScheduler: tests and the sandbox's
demo mode advance a FakeClock and call it, and nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

from care.domain.clock import Clock
from care.domain.office_hours import DEFAULT as DEFAULT_HOURS
from care.domain.office_hours import OfficeHours
from care.domain.office_hours import parse as parse_office_hours
from care.domain.pathway import Pathway
from care.settings import Settings
from care.storage.adherence import review_page
from care.storage.db import Database
from care.storage.followups import escalate_unanswered
from care.storage.patients import resume_due
from care.storage.schedule import DEFAULT_HORIZON, extend_page
from scheduler.cards import CardPoster, MorningDigest
from scheduler.dispatcher import Dispatcher, DispatchStats
from scheduler.escalation import Escalator
from scheduler.progress import BroadcastProgress

log = structlog.get_logger(__name__)

Role = Literal["all", "bot", "worker"]


@dataclass(frozen=True)
class SchedulerConfig:
    """What the scheduler needs from the settings (built by the composition root)."""

    coordinator_chat_id: int | None = None
    escalation_chat_id: int | None = None
    realert: timedelta = timedelta(minutes=15)
    language: str = "ko"  # the coordinators' language
    office_hours: OfficeHours = field(default_factory=lambda: parse_office_hours(DEFAULT_HOURS))
    horizon: timedelta = DEFAULT_HORIZON
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    concurrency: int = 8
    max_attempts: int = 5
    extend_every: timedelta = timedelta(minutes=10)
    dispatch_every: timedelta = timedelta(seconds=1)
    escalate_every: timedelta = timedelta(seconds=2)

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulerConfig:
        return cls(
            coordinator_chat_id=settings.coordinator_chat_id,
            escalation_chat_id=settings.escalation_chat_id,
            realert=settings.realert_after,
            language=settings.language,
            office_hours=settings.hours,
        )


@dataclass
class TickResult:
    extended: int
    dispatched: DispatchStats
    escalated: int
    progress: int = 0


def worker_name(role: str) -> str:
    """host:pid:random, unique per process start (a restarted worker is a new claimant)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{role}:{secrets.token_hex(3)}"


class SchedulerRunner:
    """The jobs over parts built by the composition root (spinecare/bootstrap.py)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        pathway: Pathway,
        config: SchedulerConfig,
        *,
        escalator: Escalator,
        dispatcher: Dispatcher,
        progress: BroadcastProgress,
        cards: CardPoster | None,
        digest: MorningDigest | None,
        worker_id: str,
        role: Role = "all",
    ) -> None:
        self.db = db
        self.clock = clock
        self.pathway = pathway
        self.config = config
        self.role = role
        self.worker_id = worker_id
        self.escalator = escalator
        self.dispatcher = dispatcher
        self.progress = progress
        self.cards = cards
        self.digest = digest
        self._scheduler: AsyncIOScheduler | None = None
        self._in_flight: set[asyncio.Task[object]] = set()

    @property
    def dispatches(self) -> bool:
        return self.role in ("all", "worker")

    # the jobs

    async def extend(self) -> int:
        """Resume pauses that ran out, extend plans ahead, nudge or alert on missed check-ins."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            resumed = await resume_due(uow.session, now=now, pathway=self.pathway)
            await uow.commit()
        added, after_id = 0, 0
        while True:  # a transaction per page: on SQLite no writer waits long for the lock
            async with self.db.uow() as uow:
                page_added, last_id = await extend_page(
                    uow.session,
                    self.pathway,
                    now=now,
                    horizon=self.config.horizon,
                    after_id=after_id,
                )
                await uow.commit()
            added += page_added
            if last_id is None:
                break
            after_id = last_id
        adherence = {"nudged": 0, "alerted": 0}
        after_id = 0
        while True:
            async with self.db.uow() as uow:
                counts, last_id = await review_page(uow.session, now=now, after_id=after_id)
                await uow.commit()
            adherence = {key: adherence[key] + counts[key] for key in adherence}
            if last_id is None:
                break
            after_id = last_id
        log.info(
            "schedules_extended",
            action="schedule.extend",
            added=added,
            resumed=resumed,
            **adherence,
            worker=self.worker_id,
        )
        return added

    async def dispatch(self) -> DispatchStats:
        return await self.dispatcher.run_until_idle()

    async def escalate(self) -> int:
        """Open free-text follow-ups nobody answered in time, then post what is due."""
        async with self.db.uow() as uow:
            await escalate_unanswered(
                uow.session, now=self.clock.now(), realert=self.config.realert
            )
            await uow.commit()
        posted = await self.escalator.run_once()
        await self.post_cards()
        if self.digest is not None:
            await self.digest.run_once()
        return posted

    async def post_cards(self) -> int:
        """Patients' messages to the group as cards, the team's replies to the patients."""
        return 0 if self.cards is None else await self.cards.run_once()

    async def _notify_coordinators(self) -> int:
        """The escalate job: alerts first, then the progress of running broadcasts."""
        posted = await self.escalate()
        await self.show_progress()
        return posted

    async def show_progress(self) -> int:
        """Edit running broadcasts' progress messages; post the final reports."""
        return await self.progress.run_once()

    async def tick(self) -> TickResult:
        """Each job once, in order: for tests and the demo mode with a FakeClock."""
        return TickResult(
            extended=await self.extend(),
            dispatched=await self.dispatch(),
            escalated=await self.escalate(),
            progress=await self.show_progress(),
        )

    # APScheduler

    @property
    def jobs(self) -> list[str]:
        """The ids of the interval jobs running (none before start, none for --role bot)."""
        if self._scheduler is None:
            return []
        return [job.id for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        """Start the interval jobs on the running event loop (no jobs for --role bot)."""
        if not self.dispatches:
            log.info("scheduler_idle", action="scheduler.start", role=self.role)
            return
        scheduler = AsyncIOScheduler(timezone="UTC")
        config = self.config
        jobs: list[tuple[str, Callable[[], Awaitable[object]], timedelta, bool]] = [
            ("extend", self.extend, config.extend_every, True),
            ("dispatch", self.dispatch, config.dispatch_every, True),
            ("escalate", self._notify_coordinators, config.escalate_every, False),
        ]
        for name, job, every, at_start in jobs:
            extra = {"next_run_time": _utcnow()} if at_start else {}
            scheduler.add_job(
                self._guarded,
                "interval",
                args=(name, job),
                seconds=every.total_seconds(),
                id=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(every.total_seconds())),
                **extra,
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info(
            "scheduler_started", action="scheduler.start", role=self.role, worker=self.worker_id
        )

    async def shutdown(self, *, grace: float = 30.0) -> None:
        """Stop the ticks, then wait for the job in flight (a dispatch finishes its batch)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self.dispatcher.request_stop()
        if self._in_flight:
            _, pending = await asyncio.wait(set(self._in_flight), timeout=grace)
            for task in pending:
                task.cancel()
        log.info("scheduler_stopped", action="scheduler.stop", worker=self.worker_id)

    async def _guarded(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """Run a job in a task of our own: APScheduler's shutdown cancels its tasks, and a
        dispatch cancelled mid-batch would leave claimed rows to wait for their lease."""
        task = asyncio.ensure_future(self._run(name, job))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        with contextlib.suppress(asyncio.CancelledError):  # shutdown() awaits the task itself
            await asyncio.shield(task)

    async def _run(self, name: str, job: Callable[[], Awaitable[object]]) -> object:
        try:
            return await job()
        except Exception:
            log.exception("job_failed", action=f"scheduler.{name}", worker=self.worker_id)
            return None


def _utcnow() -> datetime:
    return datetime.now(UTC)  # APScheduler's own tick timing, not the care clock
