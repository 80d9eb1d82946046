"""Leases: a dead worker's claims come back when the lease runs out; a live worker keeps its own."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

from care.domain.clock import FakeClock
from care.storage import outbox
from care.storage.db import Database
from care.storage.models import MessageState
from tests.support.factories import add_due_messages, add_patient
from tests.support.fakes import HeldMessenger, RecordingMessenger
from tests.support.parts import build_dispatcher
from tests.support.queries import attempts, rows

SURGERY = date(2026, 11, 18)


async def test_a_dead_workers_claims_are_sent_by_another_once_the_lease_expires(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, surgery_date=SURGERY, now=clock.now())
    due = await add_due_messages(db, 5, patients=1, due_at=clock.now())
    async with db.uow() as uow:  # a worker claims, then dies before sending anything
        taken = await outbox.claim_due(
            uow.session, now=clock.now(), worker="dead", batch=50, lease=timedelta(seconds=60)
        )
        await uow.commit()
    assert [m.id for m in taken] == due
    messenger = RecordingMessenger()
    survivor = build_dispatcher(
        db, messenger, clock, worker_id="alive", lease=timedelta(seconds=60)
    )

    clock.advance(timedelta(seconds=59))
    assert (await survivor.run_once()).claimed == 0
    clock.advance(timedelta(seconds=2))
    stats = await survivor.run_once()

    assert stats.sent == 5
    assert {(r.state, r.attempts, r.claimed_by) for r in await rows(db)} == {
        (MessageState.SENT, 2, "alive")
    }
    assert [a.outcome for a in await attempts(db, due[0])] == ["sent"]


async def test_a_live_worker_renews_its_leases_while_a_slow_batch_is_sent(
    sqlite_db: Database, clock: FakeClock
) -> None:
    await add_patient(sqlite_db, surgery_date=SURGERY, now=clock.now())
    await add_due_messages(sqlite_db, 2, patients=1, due_at=clock.now())
    slow = HeldMessenger()
    lease = timedelta(seconds=0.3)  # renewed every 0.1 s of real time
    busy = build_dispatcher(sqlite_db, slow, clock, worker_id="busy", lease=lease)
    other = build_dispatcher(sqlite_db, RecordingMessenger(), clock, worker_id="other", lease=lease)

    sending = asyncio.create_task(busy.run_once())
    await asyncio.wait_for(slow.started.wait(), timeout=5)
    clock.advance(timedelta(minutes=5))  # by the first lease, the claims have long expired
    deadline = time.monotonic() + 5
    while min(r.lease_until or clock.now() for r in await rows(sqlite_db)) <= clock.now():
        assert time.monotonic() < deadline, "the lease was never renewed"
        await asyncio.sleep(0.02)
    stolen = await other.run_once()
    slow.release.set()
    stats = await sending

    assert stolen.claimed == 0
    assert stats.sent == 2
    assert {r.claimed_by for r in await rows(sqlite_db)} == {"busy"}
