"""Fixtures: a running sandbox (flood limits off unless a test asks), its client, a PTB Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from sandbox import BotApiSandbox, FloodLimits, SandboxClient

TOKEN = "123456:SANDBOX"
PATIENT = 1001
COORDINATOR = 2002


@pytest.fixture
async def sandbox() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, flood_limits=FloodLimits(enabled=False)) as running:
        yield running


@pytest.fixture
async def client(sandbox: BotApiSandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.control_url) as control:
        await control.ensure_user(PATIENT, "Minji", language_code="ko")
        yield control


@pytest.fixture
async def bot(sandbox: BotApiSandbox, client: SandboxClient) -> AsyncIterator[Bot]:
    """A real PTB Bot; depends on `client` so that the patient has started the bot."""
    request = HTTPXRequest(read_timeout=2.0, connect_timeout=2.0)
    async with Bot(
        TOKEN, base_url=sandbox.api_url, base_file_url=sandbox.file_url, request=request
    ) as real_bot:
        yield real_bot
