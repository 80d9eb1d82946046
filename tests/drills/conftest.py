"""The drills drive the whole service (real python-telegram-bot over HTTP) against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from care.domain.clock import FakeClock
from tests.e2e.conftest import UNPACED, Harness, running_harness


@pytest.fixture
async def harness(database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """The service with the bot unpaced (Telegram's flood limits are off in the sandbox): a
    drill's answers to one chat would otherwise go out one a second, and the shutdown waits
    for them (9-16 s a test)."""
    async with running_harness(
        database_url, clock, coordinator_ids=[9001, 9002], pace=UNPACED
    ) as harness:
        yield harness
