"""The drills drive the whole service (real python-telegram-bot over HTTP) against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from care.domain.clock import FakeClock
from tests.e2e.conftest import Harness, running_harness


@pytest.fixture
async def harness(database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    async with running_harness(database_url, clock, coordinator_ids=[9001, 9002]) as harness:
        yield harness
