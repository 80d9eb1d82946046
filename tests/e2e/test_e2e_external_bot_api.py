"""`spinecare run` against any Bot API server (here a separate sandbox), by polling or webhook.

The service runs as a real subprocess, configured only by environment variables, and is
stopped with SIGTERM: it must stop polling, finish, close the database and exit 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sandbox import BotApiSandbox, FloodLimits, SandboxClient

SPINECARE = str(Path(sys.executable).parent / "spinecare")
TOKEN = "424242:external-bot-api"
USER = 8901
SECRET = "webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def bot_api() -> AsyncIterator[BotApiSandbox]:
    server = BotApiSandbox(token=TOKEN, flood_limits=FloodLimits(enabled=False))
    await server.start(host="127.0.0.1", port=0)
    yield server
    await server.stop()


async def run_service(
    sqlite_database_url: str, api: BotApiSandbox, **extra: str
) -> asyncio.subprocess.Process:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SPINECARE_")},
        "SPINECARE_DATABASE_URL": sqlite_database_url,
        "SPINECARE_TELEGRAM_TOKEN": TOKEN,
        "SPINECARE_TELEGRAM_API_URL": api.api_url,
        "SPINECARE_COORDINATOR_CHAT_ID": "-100777",
        "SPINECARE_CONSOLE_LISTEN": f"127.0.0.1:{free_port()}",  # the web console, out of the way
        **extra,
    }
    return await asyncio.create_subprocess_exec(
        SPINECARE,
        "run",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop(process: asyncio.subprocess.Process) -> list[dict[str, object]]:
    """SIGTERM, then the JSON log lines the service wrote."""
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()[-2000:]
    return [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]


async def test_run_polls_any_bot_api_server_answers_start_and_stops_on_sigterm(
    sqlite_database_url: str, bot_api: BotApiSandbox
) -> None:
    process = await run_service(sqlite_database_url, bot_api)
    async with SandboxClient(bot_api.control_url) as client:
        await client.ensure_user(USER, "Kim", language_code="ko")
        sent = await client.send_text(USER, "/start")
        reply = await client.wait_for_message(
            USER, "초대 링크", timeout=30, after_message_id=sent["message_id"]
        )
    assert "병원" in reply["text"]
    lines = await stop(process)
    events = [line.get("event") for line in lines]
    assert "service_started" in events and "service_stopping" in events
    assert "초대" not in json.dumps(lines, ensure_ascii=False)  # logs carry no message text


async def test_run_by_webhook_checks_the_secret_token(
    sqlite_database_url: str, bot_api: BotApiSandbox
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    process = await run_service(
        sqlite_database_url,
        bot_api,
        SPINECARE_WEBHOOK_URL=url,
        SPINECARE_WEBHOOK_SECRET=SECRET,
        SPINECARE_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    async with SandboxClient(bot_api.control_url) as client:
        await client.ensure_user(USER, "Kim", language_code="en")
        sent = await client.send_text(USER, "/start")
        await client.wait_for_message(
            USER, "invite", timeout=30, after_message_id=sent["message_id"]
        )

        forged = {
            "update_id": 999_999,
            "message": {
                "message_id": 77,
                "date": 0,
                "text": "/start",
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Mallory"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        async with httpx.AsyncClient() as http:
            info = (await http.get(f"{bot_api.api_url}{TOKEN}/getWebhookInfo")).json()
            assert info["result"]["url"] == url
            assert set(info["result"]["allowed_updates"]) >= {"message", "my_chat_member"}
            wrong = await http.post(
                url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "no"}
            )
            missing = await http.post(url, json=forged)
        assert (wrong.status_code, missing.status_code) == (403, 403)
        answers = [m for m in await client.sent_messages(USER) if "invite" in m.get("text", "")]
        assert len(answers) == 1
    events = [line.get("event") for line in await stop(process)]
    assert "webhook_started" in events and "webhook_refused" in events
