"""A dispatcher SIGKILLed mid-run loses nothing; duplicates stay within the claimed batch."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, datetime

from care.callbacks import decode
from care.clock import FakeClock
from care.db import Database
from sandbox import BotApiSandbox, SandboxClient
from tests.crash_support import BATCH, LEASE, claimed_rows, start_worker
from tests.schedule.schedule_support import add_due_messages, add_patients, states

MESSAGES = 1_000
PATIENTS = 100


async def test_a_killed_worker_loses_nothing_and_duplicates_at_most_one_batch(
    db: Database, clock: FakeClock, sandbox: BotApiSandbox, control: SandboxClient
) -> None:
    now = datetime.now(UTC)  # the worker processes read the real clock
    clock.set(now)
    await add_patients(db, PATIENTS, surgery_date=now.date(), now=now)
    due = await add_due_messages(db, MESSAGES, patients=PATIENTS, due_at=now)
    for n in range(PATIENTS):
        await control.ensure_user(10_000 + n, f"Patient {n}")

    started = time.perf_counter()
    first = await start_worker(db, sandbox.api_url, "doomed", offset=0)
    deadline = time.monotonic() + 60
    while sandbox.stats.calls["sendMessage"] < MESSAGES * 0.3:
        assert first.returncode is None, "the worker finished before it could be killed"
        assert time.monotonic() < deadline, "the worker made no progress"
        await asyncio.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    sent_before_kill = sandbox.stats.calls["sendMessage"]
    unconfirmed = await claimed_rows(db)

    second = await start_worker(db, sandbox.api_url, "restarted", offset=LEASE + 1)
    assert await asyncio.wait_for(second.wait(), timeout=90) == 0
    elapsed = time.perf_counter() - started

    per_message = Counter(
        decode(button["callback_data"]).arg_int(0)
        for message in await control.sent_messages()
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if button["callback_data"].startswith("1|ci|")
    )
    duplicates = sum(count - 1 for count in per_message.values())
    print(
        f"\nkilled after {sent_before_kill} sends with {unconfirmed} claimed-but-unconfirmed; "
        f"{MESSAGES} messages in {elapsed:.1f} s, duplicates {duplicates} (bound {BATCH})"
    )
    assert first.returncode == -signal.SIGKILL
    assert set(per_message) == set(due)  # none lost
    assert await states(db) == {"sent": MESSAGES}
    assert duplicates <= unconfirmed <= BATCH
