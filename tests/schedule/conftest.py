"""Fixtures for the scheduler tests: the sandbox Bot API, its control client, a real PTB Bot.

Every test fails at teardown if a messenger it made (a RecordingMessenger, or the real bot of
``telegram_messenger``) was called inside an open unit of work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.messenger import TelegramMessenger
from care.domain.pathway import Pathway, load_pathway
from sandbox import BotApiSandbox, FloodLimits, SandboxClient
from tests.support.fakes import RecordingMessenger
from tests.support.telegram import fail_on_calls_inside_a_unit_of_work, watch_bot_api_calls

TOKEN = "123456:SANDBOX"
PATIENT_CHAT = 1001
COORDINATOR = 2002
COORDINATOR_CHAT = -100_200
ESCALATION_CHAT = -100_300
READ_TIMEOUT = 0.3  # the timeout tests make the sandbox answer later than this


@pytest.fixture(autouse=True)
def no_send_inside_a_unit_of_work() -> Iterator[None]:
    RecordingMessenger.made.clear()
    yield
    made, RecordingMessenger.made = RecordingMessenger.made, []
    inside = sum(messenger.inside_transaction for messenger in made)
    if inside:
        pytest.fail(f"{inside} messenger call(s) made inside an open unit of work", pytrace=False)


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    return load_pathway()


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, flood_limits=FloodLimits(enabled=False)) as running:
        yield running


@pytest.fixture
async def control(sandbox: BotApiSandbox) -> AsyncIterator[SandboxClient]:
    """The sandbox's control client; the patient has started the bot, the care team has a group."""
    async with SandboxClient(sandbox.control_url) as client:
        await client.ensure_user(PATIENT_CHAT, "Minji", language_code="ko")
        await client.ensure_user(COORDINATOR, "Nurse Kim", language_code="ko")
        await client.ensure_group(COORDINATOR_CHAT, "Care team", members=[COORDINATOR])
        await client.ensure_group(ESCALATION_CHAT, "Escalation", members=[COORDINATOR])
        yield client


@pytest.fixture
async def telegram_messenger(
    sandbox: BotApiSandbox, control: SandboxClient
) -> AsyncIterator[TelegramMessenger]:
    """The product's messenger over a real python-telegram-bot Bot talking HTTP to the sandbox."""
    request = HTTPXRequest(read_timeout=READ_TIMEOUT, connect_timeout=2.0, connection_pool_size=16)
    async with Bot(
        TOKEN, base_url=sandbox.api_url, base_file_url=sandbox.file_url, request=request
    ) as bot:
        calls = watch_bot_api_calls(bot)
        yield TelegramMessenger(bot)
    fail_on_calls_inside_a_unit_of_work(calls)
