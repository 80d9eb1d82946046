"""A worker SIGKILLed halfway through a broadcast, then restarted: everyone gets it once,
apart from the claimed-but-unconfirmed batch (care/storage/outbox.py, "The duplicate bound")."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from care.domain.clock import FakeClock
from care.storage.db import Database
from sandbox import BotApiSandbox, FloodLimits, SandboxClient
from tests.support.factories import add_broadcast, add_patients
from tests.support.processes import BATCH, LEASE, claimed_rows, kill_after, start_worker
from tests.support.queries import states

TOKEN = "123456:SANDBOX"
PATIENTS = 300
FIRST_CHAT = 600_000
TEXT = "오늘 오후 병원 전화가 잠시 안 됩니다."


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, flood_limits=FloodLimits(enabled=False)) as running:
        yield running


async def test_a_broadcast_killed_halfway_reaches_everyone_once_after_a_restart(
    db: Database, clock: FakeClock, sandbox: BotApiSandbox
) -> None:
    now = datetime.now(UTC)  # the worker processes read the real clock
    clock.set(now)
    # The worker processes read the real clock: patients awake all day, whatever the hour.
    await add_patients(
        db,
        PATIENTS,
        now=now,
        first_chat=FIRST_CHAT,
        surgery_date=now.date(),
        waking=(datetime.min.time(), datetime.max.time()),
    )
    broadcast = await add_broadcast(db, now=now, text_ko=TEXT)
    async with SandboxClient(sandbox.control_url) as control:
        for n in range(PATIENTS):
            await control.ensure_user(FIRST_CHAT + n, f"Patient {n}")
        # each send answered 50 ms late, so the kill lands mid-broadcast
        await control.inject_fault("sendMessage", status=None, count=10 * PATIENTS, delay=0.05)

        first = await start_worker(db, sandbox.api_url, "doomed", offset=0)
        sent_before_kill = await kill_after(sandbox, first, int(PATIENTS * 0.4))
        unconfirmed = await claimed_rows(db)

        second = await start_worker(db, sandbox.api_url, "restarted", offset=LEASE + 1)
        assert await asyncio.wait_for(second.wait(), timeout=90) == 0
        received = Counter(
            m["chat"]["id"] for m in await control.sent_messages() if m.get("text") == TEXT
        )

    duplicates = sum(count - 1 for count in received.values())
    print(
        f"\nkilled after {sent_before_kill} of {PATIENTS} sends, {unconfirmed} claimed but "
        f"unconfirmed; after the restart duplicates {duplicates} (bound {BATCH})"
    )
    assert set(received) == {FIRST_CHAT + n for n in range(PATIENTS)}  # none lost
    assert duplicates <= unconfirmed <= BATCH
    assert await states(db, broadcast.id) == {"sent": PATIENTS}
