"""Crash tests' shared parts: a dispatcher worker in its own process, killed mid-run and
restarted, and what it left claimed."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from care.storage.db import Database
from care.storage.models import MessageState, ScheduledMessage
from sandbox import BotApiSandbox

ROOT = Path(__file__).resolve().parents[2]
BATCH = 50
LEASE = 60  # seconds; a restarted worker's clock runs LEASE + 1 s ahead


async def start_worker(
    db: Database, api_url: str, name: str, offset: int
) -> asyncio.subprocess.Process:
    """A dispatcher process (tests/support/crash_worker.py) on ``db``, sending to ``api_url``."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.crash_worker",
        db.url,
        api_url,
        "--worker-id",
        name,
        "--batch",
        str(BATCH),
        "--lease",
        str(LEASE),
        "--clock-offset",
        str(offset),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def kill_after(sandbox: BotApiSandbox, worker: asyncio.subprocess.Process, sends: int) -> int:
    """SIGKILL ``worker`` once the sandbox has seen ``sends`` sendMessage calls in all;
    returns how many it had seen when the worker was dead."""
    deadline = time.monotonic() + 60
    while sandbox.stats.calls["sendMessage"] < sends:
        assert worker.returncode is None, "the worker finished before it could be killed"
        assert time.monotonic() < deadline, "the worker made no progress"
        await asyncio.sleep(0.005)
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    return sandbox.stats.calls["sendMessage"]


async def claimed_rows(db: Database) -> int:
    """Rows claimed but not confirmed: the bound on duplicates after a crash."""
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(ScheduledMessage.state == MessageState.CLAIMED)
        )
    return int(count or 0)
