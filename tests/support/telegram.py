"""Watching what the real bot sends: each Bot API call with the units of work open then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.e2e.conftest import Harness


def record_open_units(harness: Harness) -> list[tuple[str, int]]:
    """Each Bot API call the bot makes from now on (getUpdates aside, which has a request of
    its own), with ``Database.open_units`` at that moment: the method name and the count."""
    calls: list[tuple[str, int]] = []
    request = harness.running.application.bot.request
    forward: Callable[..., Awaitable[tuple[int, bytes]]] = request.do_request

    async def recording(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        calls.append((url.rsplit("/", 1)[-1], harness.running.db.open_units))
        return await forward(url, *args, **kwargs)

    request.do_request = recording
    return calls
