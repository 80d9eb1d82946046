"""Webhooks: getUpdates conflicts while one is set, and updates are POSTed with the secret."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from sandbox import SandboxClient

from .conftest import PATIENT

SECRET = "s3cret-token_1"


@dataclass
class Receiver:
    """A tiny webhook endpoint that records what it gets and answers `status` (and `reply`)."""

    url: str = ""
    status: int = 200
    reply: dict[str, Any] | None = None
    received: asyncio.Queue[tuple[str | None, dict[str, Any]]] = field(
        default_factory=asyncio.Queue
    )

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((secret, await request.json()))
        if self.reply is not None:
            return web.json_response(self.reply)
        return web.Response(status=self.status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield endpoint
    await runner.cleanup()


async def test_get_updates_conflicts_while_a_webhook_is_set(bot: Bot, receiver: Receiver) -> None:
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)

    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()

    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_updates_are_posted_with_the_secret_header(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token=SECRET)

    sent = await client.send_text(PATIENT, "/start")

    secret, update = await asyncio.wait_for(receiver.received.get(), timeout=5)
    assert secret == SECRET
    assert update["message"]["message_id"] == sent["message_id"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver.url, 0)


async def test_a_failing_webhook_keeps_the_update_and_reports_the_error(
    bot: Bot, client: SandboxClient, receiver: Receiver
) -> None:
    receiver.status = 500
    await bot.set_webhook(receiver.url)

    await client.send_text(PATIENT, "hello")
    await asyncio.wait_for(receiver.received.get(), timeout=5)

    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message is not None
    assert "500" in info.last_error_message
    await bot.delete_webhook()
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.text == "hello"


async def test_a_method_in_the_webhook_response_is_executed(
    client: SandboxClient, bot: Bot, receiver: Receiver
) -> None:
    receiver.reply = {"method": "sendMessage", "chat_id": PATIENT, "text": "pong"}
    await bot.set_webhook(receiver.url)

    sent = await client.send_text(PATIENT, "ping")

    reply = await client.wait_for_message(PATIENT, "pong", after_message_id=sent["message_id"])
    assert reply["from"]["is_bot"] is True
