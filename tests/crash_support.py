"""Crash tests' shared parts: a dispatcher worker in its own process, and what it left claimed."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import func, select

from care.storage.db import Database
from care.storage.models import MessageState, ScheduledMessage

ROOT = Path(__file__).resolve().parents[1]
BATCH = 50
LEASE = 60  # seconds; a restarted worker's clock runs LEASE + 1 s ahead


async def start_worker(
    db: Database, api_url: str, name: str, offset: int
) -> asyncio.subprocess.Process:
    """A dispatcher process (tests/schedule/crash_worker.py) on ``db``, sending to ``api_url``."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.schedule.crash_worker",
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


async def claimed_rows(db: Database) -> int:
    """Rows claimed but not confirmed: the bound on duplicates after a crash."""
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(ScheduledMessage.state == MessageState.CLAIMED)
        )
    return int(count or 0)
