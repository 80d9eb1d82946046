"""Delivers queued updates to the webhook URL, one at a time, retrying with a short backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

from sandbox.botapi import BotApi
from sandbox.errors import BotApiError
from sandbox.params import Params
from sandbox.stats import Stats

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_RETRY = 0.05
LAST_RETRY = 2.0


class WebhookSender:
    def __init__(self, api: BotApi, stats: Stats) -> None:
        self.api = api
        self.stats = stats
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        state = self.api.state
        retry = FIRST_RETRY
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self.api.closing:
                if not state.webhook.url or not state.updates:
                    await state.changes.wait(1.0)
                    continue
                if await self._deliver(session, state.updates[0]):
                    retry = FIRST_RETRY
                else:
                    await asyncio.sleep(retry)
                    retry = min(retry * 2, LAST_RETRY)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> bool:
        webhook = self.api.state.webhook
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with session.post(webhook.url, json=update, headers=headers) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    return self._failed(
                        f"Wrong response from the webhook: {response.status} {response.reason}"
                    )
                reply = _json_or_none(body, response.content_type)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return self._failed(f"Connection failed: {exc.__class__.__name__}")
        with contextlib.suppress(ValueError):
            self.api.state.updates.remove(update)
        self.stats.webhook_deliveries += 1
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            values = {k: v for k, v in reply.items() if k != "method"}
            with contextlib.suppress(BotApiError):
                await self.api.call(reply["method"], Params(values=values))
        return True

    def _failed(self, message: str) -> bool:
        webhook = self.api.state.webhook
        webhook.last_error_date = self.api.state.now()
        webhook.last_error_message = message
        self.stats.webhook_failures += 1
        return False


def _json_or_none(body: bytes, content_type: str) -> Any:
    if content_type != "application/json" or not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
