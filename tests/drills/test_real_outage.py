"""Issue 14's real database outage, small: the service's own PostgreSQL server (a throwaway
cluster, never the shared 5432) is stopped with ``pg_ctl`` for a few seconds while patients
write and reminders fall due, then started again, and the service recovers by itself. The
same scenario runs at full size in `make bench` (benchmarks/input_drills.py).

It needs PostgreSQL's server programs (``initdb``, ``pg_ctl``). Like every PostgreSQL test it
runs wherever SPINECARE_TEST_POSTGRES_URL is set (the Makefile sets it, CI always does) and
fails there without them; it skips only where that variable is empty, outside CI.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from care.domain.clock import FakeClock
from tests.databases import POSTGRES_ENV, postgres_url
from tests.drills import scenarios
from tests.drills.cluster import Cluster, available, throwaway_cluster
from tests.e2e.conftest import UNPACED, running_harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

OUTAGE_SECONDS = 2.0
EVERY = 0.3  # a text every 0.3 s: about six during the outage
REMINDERS = 6  # two for each of the three patients, all due while the server is down


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster() -> AsyncIterator[Cluster]:
    """One throwaway cluster for the module (its own directory and port: no two pytest-xdist
    workers share either)."""
    if not available():
        if postgres_url() is None and not os.environ.get("CI"):
            pytest.skip(f"the real outage needs PostgreSQL ({POSTGRES_ENV} is empty)")
        pytest.fail(
            "the real-outage drill needs PostgreSQL's initdb and pg_ctl (Debian: the postgresql"
            f" package, /usr/lib/postgresql/*/bin), and a 'postgres' user when run as root;"
            f" set {POSTGRES_ENV} empty to skip the PostgreSQL tests on a machine without them"
        )
    async with throwaway_cluster() as made:
        yield made


async def test_a_real_outage_loses_no_text_and_no_reminder(
    cluster: Cluster, clock: FakeClock
) -> None:
    async with running_harness(
        cluster.url, clock, pace=UNPACED, coordinator_ids=[9001], journal_replay_seconds=0.25
    ) as harness:
        figures = await scenarios.real_outage(
            harness,
            cluster,
            seconds=OUTAGE_SECONDS,
            reminders=REMINDERS,
            every=EVERY,
            before=0.0,
        )
    scenarios.report("real database outage (pg_ctl stop, then start; PostgreSQL)", figures)
    texts = figures["texts during the outage"]
    assert texts >= 3
    assert figures["handler tracebacks"] == 0
    # every text told "received" while the server was down, journaled, and after the restart
    # kept exactly once and read
    assert figures["told received"] == figures["journaled"] == texts
    assert figures["texts kept"] == figures["texts read after"] == texts
    assert (figures["lost"], figures["duplicates"]) == (0, 0)
    # every reminder fell due while the server was down and went out once after the restart
    assert figures["reminders sent before the stop"] == 0
    assert figures["dispatch runs that failed while down"] > 0
    assert figures["reminders delivered"] == REMINDERS and figures["reminders lost"] == 0
    assert figures["reminder copies (bound 2)"] == 1
