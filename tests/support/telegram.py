"""Watching what the real bot sends: each Bot API call, and whether the task making it had a
unit of work open (``care.storage.db.in_unit_of_work``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from care.storage.db import in_unit_of_work
from tests.e2e.conftest import Harness


def record_bot_api_calls(harness: Harness) -> list[tuple[str, bool]]:
    """Each Bot API call the bot makes from now on (getUpdates aside, which has a request of
    its own): the method name and whether the calling task was inside a unit of work."""
    calls: list[tuple[str, bool]] = []
    request = harness.running.application.bot.request
    forward: Callable[..., Awaitable[tuple[int, bytes]]] = request.do_request

    async def recording(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        calls.append((url.rsplit("/", 1)[-1], in_unit_of_work()))
        return await forward(url, *args, **kwargs)

    request.do_request = recording
    return calls
