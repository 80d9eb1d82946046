"""The runner: tick() runs each job once on the fake clock; APScheduler runs the same jobs live."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from care.domain.clock import FakeClock
from care.domain.pathway import Pathway
from care.storage.db import Database
from care.storage.models import MessageState
from scheduler.runner import SchedulerConfig, SchedulerRunner
from tests.support.factories import add_due_messages, add_patient, seoul
from tests.support.fakes import HeldMessenger, RecordingMessenger
from tests.support.parts import build_runner
from tests.support.queries import rows

SURGERY = date(2026, 11, 18)


def runner(
    db: Database, messenger: object, clock: FakeClock, pathway: Pathway, role: str = "all"
) -> SchedulerRunner:
    config = SchedulerConfig(coordinator_chat_id=-1, dispatch_every=timedelta(seconds=0.05))
    return build_runner(db, messenger, clock, pathway, config, role=role)  # type: ignore[arg-type]


async def test_tick_materialises_the_plan_and_sends_what_is_due_on_the_fake_clock(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    clock.set(seoul(date(2026, 11, 21), 7, 0))
    await add_patient(db, surgery_date=SURGERY, now=clock.now())
    messenger = RecordingMessenger()
    scheduler = runner(db, messenger, clock, pathway)

    first = await scheduler.tick()
    assert first.extended > 0
    assert first.dispatched.claimed == 0

    clock.set(seoul(date(2026, 11, 21), 8, 30))
    second = await scheduler.tick()
    assert (second.extended, second.dispatched.sent) == (0, 1)
    clock.set(seoul(date(2026, 11, 21), 12, 45))
    assert (await scheduler.tick()).dispatched.sent == 1
    clock.set(seoul(date(2026, 11, 21), 19, 0))
    assert (await scheduler.tick()).dispatched.sent == 1
    assert [m.chat_id for m in messenger.sent] == [1001] * 3


async def test_apscheduler_dispatches_due_rows_and_shutdown_waits_for_the_batch_in_flight(
    sqlite_db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    await add_patient(sqlite_db, surgery_date=SURGERY, now=clock.now())
    due = await add_due_messages(sqlite_db, 3, patients=1, due_at=clock.now())
    messenger = HeldMessenger()
    scheduler = runner(sqlite_db, messenger, clock, pathway)

    scheduler.start()
    await asyncio.wait_for(messenger.started.wait(), timeout=5)
    stopping = asyncio.create_task(scheduler.shutdown())
    await asyncio.sleep(0)  # shutdown has begun and waits for the dispatch in flight
    assert not stopping.done()
    messenger.release.set()
    await asyncio.wait_for(stopping, timeout=5)

    assert {r.state for r in await rows(sqlite_db) if r.id in due} == {MessageState.SENT}
    assert len(messenger.sent) == 3


async def test_the_bot_role_runs_no_jobs_and_the_worker_role_runs_three(
    sqlite_db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    bot_only = runner(sqlite_db, RecordingMessenger(), clock, pathway, role="bot")
    worker = runner(sqlite_db, RecordingMessenger(), clock, pathway, role="worker")

    bot_only.start()
    worker.start()
    try:
        assert bot_only.jobs == []
        assert sorted(worker.jobs) == ["dispatch", "escalate", "extend"]
    finally:
        await bot_only.shutdown()
        await worker.shutdown()
