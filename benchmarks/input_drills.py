"""Issue 14's input drills at full size: fuzz, duplicate updates, database outage, stranger flood.

Each runs the whole service (python-telegram-bot over HTTP against the sandbox) on a fresh
SQLite database, and on PostgreSQL when SPINECARE_TEST_POSTGRES_URL is set; the same code
runs small in `make test` (tests/drills). Run alone with `python -m benchmarks.input_drills`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from benchmarks.fixtures import NOW
from care.domain.clock import FakeClock

FUZZ_INPUTS = 10_000
DUPLICATED_TEXTS = 500
OUTAGE_TEXTS = 200
FLOOD_PRESSES = 400


@asynccontextmanager
async def databases() -> AsyncIterator[list[tuple[str, str]]]:
    """(name, url) of a fresh SQLite database and, if configured, a fresh PostgreSQL one."""
    from tests.databases import PostgresTemplate

    with tempfile.TemporaryDirectory() as directory:
        urls = [("SQLite", f"sqlite+aiosqlite:///{directory}/drill.db")]
        template = None
        if url := os.environ.get("SPINECARE_TEST_POSTGRES_URL"):
            template = PostgresTemplate(url)
            urls.append(("PostgreSQL", await template.fresh_database()))
        try:
            yield urls
        finally:
            if template is not None:
                await template.drop(urls[-1][1])


async def one_drill(
    name: str, drill: Callable[[Any], Awaitable[dict[str, Any]]], backends: list[str]
) -> None:
    from tests.drills import scenarios
    from tests.e2e.conftest import running_harness

    async with databases() as urls:
        for backend, url in urls:
            if backend not in backends:
                continue
            async with running_harness(url, FakeClock(NOW), coordinator_ids=[9001]) as harness:
                scenarios.report(f"{name} ({backend})", await drill(harness))


async def main() -> None:
    from tests.drills import scenarios

    print("\n== input drills (issue 14): every figure must read tracebacks 0, lost 0, duplicates 0")
    both = ["SQLite", "PostgreSQL"]
    await one_drill(
        "stranger flood", lambda h: scenarios.stranger_flood(h, FLOOD_PRESSES), ["SQLite"]
    )
    print("  (target: the red alert reaches the group within 5 s during the stranger flood)")
    await one_drill("duplicate updates", lambda h: scenarios.duplicates(h, DUPLICATED_TEXTS), both)
    await one_drill("database outage", lambda h: scenarios.outage(h, OUTAGE_TEXTS), both)
    await one_drill("fuzz", lambda h: scenarios.fuzz(h, FUZZ_INPUTS), both)


if __name__ == "__main__":
    from spinecare.logs import configure_logging

    configure_logging("WARNING")
    asyncio.run(main())
