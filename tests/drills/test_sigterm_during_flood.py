"""A stranger floods the coordinators' group with commands: the service refuses them privately
(never in the group, whose 20 messages a minute would otherwise queue them for minutes) and
SIGTERM still stops it at once. `spinecare run` as a real process, Telegram's limits on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox import BotApiSandbox, FloodLimits, SandboxClient
from tests.e2e.test_e2e_external_bot_api import TOKEN, run_service, stop

GROUP = -100777  # the coordinators' chat run_service configures
STRANGER = 9999
FLOOD = 60


@pytest.fixture
async def limited_bot_api() -> AsyncIterator[BotApiSandbox]:
    server = BotApiSandbox(token=TOKEN, flood_limits=FloodLimits())
    await server.start(host="127.0.0.1", port=0)
    yield server
    await server.stop()


async def test_sigterm_stops_the_service_during_a_strangers_flood(
    sqlite_database_url: str, limited_bot_api: BotApiSandbox, tmp_path: Path
) -> None:
    process = await run_service(
        sqlite_database_url,
        limited_bot_api,
        SPINECARE_JOURNAL_PATH=str(tmp_path / "journal.jsonl"),
    )
    async with SandboxClient(limited_bot_api.control_url) as client:
        await client.ensure_user(STRANGER, "Stranger", language_code="ko")
        await client.ensure_group(GROUP, "Spine nurses", members=[STRANGER], chat_type="supergroup")
        sent = await client.send_text(STRANGER, "/start")  # so a private word can reach them
        await client.wait_for_message(
            STRANGER, "병원", timeout=30, after_message_id=sent["message_id"]
        )
        for _ in range(FLOOD):
            await client.send_text(STRANGER, "/patients", chat_id=GROUP)
        told = await client.wait_for_message(STRANGER, "담당 의료진", timeout=30)
        lines = await stop(process)  # asserts exit 0 within 30 s
        assert await client.sent_messages(GROUP) == []  # not one refusal in the group
        privately = [m for m in await client.sent_messages(STRANGER) if "담당 의료진" in m["text"]]
        assert privately == [told]  # once per person and period
    refusals = [line for line in lines if line.get("event") == "refusal_throttled"]
    assert 0 < len(refusals) < FLOOD  # past 10 a minute: refused from memory
