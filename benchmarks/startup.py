"""One service start with N patients in the database: start-up time and memory (one process).

Run by benchmarks/__main__.py in a fresh interpreter per measurement, so memory is not shared.
Prints one JSON line: {"patients", "startup_s", "rss_mb", "extend_s", "rows"}.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.fixtures import NOW, database_with_patients, rss_mb, sqlite_url
from care.domain.clock import FakeClock
from care.settings import Settings
from care.storage.models import ScheduledMessage
from sandbox import FloodLimits
from spinecare.logs import configure_logging
from spinecare.service import start_service


async def measure(patients: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as directory:
        url = sqlite_url(Path(directory), "startup")
        db = await database_with_patients(url, patients)
        await db.dispose()
        settings = Settings(database_url=url, telegram_token=None, _env_file=None)
        started = time.perf_counter()
        async with start_service(
            settings,
            clock=FakeClock(NOW),
            sandbox_port=0,
            sandbox_options={"flood_limits": FloodLimits(enabled=False)},
            start_jobs=False,
        ) as running:
            startup = time.perf_counter() - started
            rss_ready = rss_mb()
            extend_started = time.perf_counter()
            await running.scheduler.extend()
            extend = time.perf_counter() - extend_started
            async with running.db.session() as session:
                rows = await session.scalar(select(func.count()).select_from(ScheduledMessage))
            return {
                "patients": patients,
                "startup_s": startup,
                "rss_mb": rss_ready,
                "extend_s": extend,
                "rows": float(rows or 0),
                "rss_after_extend_mb": rss_mb(),
            }


if __name__ == "__main__":
    configure_logging("WARNING")
    print(json.dumps(asyncio.run(measure(int(sys.argv[1])))))
