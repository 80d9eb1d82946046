"""The whole service (real python-telegram-bot over HTTP) against an in-process sandbox."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.pace import PaceLimits, TelegramPace
from care.domain.clock import FakeClock
from care.settings import Settings
from sandbox import FloodLimits, SandboxClient
from spinecare.service import Running, start_service
from tests.support.telegram import (
    BotApiCall,
    fail_on_calls_inside_a_unit_of_work,
    watch_bot_api_calls,
)


@dataclass
class Harness:
    running: Running
    sandbox: SandboxClient
    clock: FakeClock
    # Every Bot API call of the test; none may be made inside a unit of work (checked at exit).
    bot_api_calls: list[BotApiCall] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.running.settings


def button(message: dict[str, Any], starts_with: str) -> str:
    """The callback data of the first button on a message whose data starts with a prefix."""
    for row in message["reply_markup"]["inline_keyboard"]:
        for key in row:
            if key["callback_data"].startswith(starts_with):
                return str(key["callback_data"])
    raise AssertionError(f"no button {starts_with!r} on {message.get('text', '')[:40]!r}")


# The bot's own pace with Telegram's flood limits off: a chat's messages a millisecond apart,
# not a second (a registration and the first day's reminders took some ten seconds).
UNPACED = PaceLimits(
    private_per_second=1000.0, private_burst=1000, group_per_minute=60_000.0, group_burst=1000
)


def set_pace(running: Running, limits: PaceLimits) -> None:
    """Give the running bot's pace these limits (from its next send on)."""
    limiter = running.application.bot.rate_limiter
    assert isinstance(limiter, TelegramPace)
    limiter.limits = limits


@asynccontextmanager
async def running_harness(
    database_url: str,
    clock: FakeClock,
    *,
    sandbox_options: Mapping[str, Any] | None = None,
    pace: PaceLimits | None = None,
    **settings: Any,
) -> AsyncIterator[Harness]:
    """The service (no jobs: tests drive them on the fake clock) and a sandbox client.

    Telegram's flood limits are off unless ``sandbox_options`` says otherwise, for speed;
    the sandbox's own tests and the broadcast test run with them on. ``pace`` replaces the
    bot's pace limits (``UNPACED`` where the flood limits stay off and the test is not about
    the pace); by default the bot keeps Telegram's.

    Every Bot API call the bot (and the scheduler, which shares its bot) makes is recorded; on
    a clean exit the test fails if any was made inside an open unit of work.
    """
    settings.setdefault("journal_path", Path(tempfile.mkdtemp()) / "journal.jsonl")
    settings.setdefault("journal_replay_seconds", 3600)  # tests replay the journal themselves
    config = Settings(
        database_url=database_url,
        telegram_token=None,
        coordinator_chat_id=-1001,
        _env_file=None,  # type: ignore[call-arg]
        **settings,
    )
    options = {"flood_limits": FloodLimits(enabled=False), **(sandbox_options or {})}
    async with start_service(
        config, clock=clock, sandbox_port=0, sandbox_options=options, start_jobs=False
    ) as running:
        assert running.sandbox_control_url is not None
        calls = watch_bot_api_calls(running.application.bot)
        if pace is not None:
            set_pace(running, pace)
        async with SandboxClient(running.sandbox_control_url) as client:
            yield Harness(running, client, clock, calls)
    fail_on_calls_inside_a_unit_of_work(calls)  # the shutdown's last sends included


@pytest.fixture
async def harness(database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """The service with Telegram's flood limits off and the bot unpaced."""
    async with running_harness(
        database_url, clock, pace=UNPACED, coordinator_ids=[9001, 9002]
    ) as harness:
        yield harness


@pytest.fixture
async def paced_harness(database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """The service with the bot's real pace (Telegram's), for tests that turn the limits on."""
    async with running_harness(database_url, clock, coordinator_ids=[9001, 9002]) as harness:
        yield harness
