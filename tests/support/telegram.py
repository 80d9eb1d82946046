"""Watching what the real bot sends: each Bot API call, and whether the task making it had a
unit of work open (``care.storage.db.in_unit_of_work``).

Every end-to-end harness watches its bot for the whole test and fails the test at teardown if
any call was made inside a unit of work (``fail_on_calls_inside_a_unit_of_work``): a slow
Telegram must never hold a database transaction, nor on SQLite the one write lock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import pytest
from telegram import Bot

from care.storage.db import in_unit_of_work

if TYPE_CHECKING:
    from tests.e2e.conftest import Harness

BotApiCall = tuple[str, bool]  # the Bot API method, and whether a unit of work was open


def watch_bot_api_calls(bot: Bot) -> list[BotApiCall]:
    """Each Bot API call the bot makes from now on (getUpdates aside, which has
    a request of its own): the method name and whether the calling task was inside a unit of
    work. The scheduler's messenger shares this bot, so its sends are watched too."""
    calls: list[BotApiCall] = []
    request = bot.request
    forward: Callable[..., Awaitable[tuple[int, bytes]]] = request.do_request

    async def recording(url: str, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        calls.append((url.rsplit("/", 1)[-1], in_unit_of_work()))
        return await forward(url, *args, **kwargs)

    request.do_request = recording  # type: ignore[method-assign]
    return calls


def record_bot_api_calls(harness: Harness) -> list[BotApiCall]:
    """The calls the harness's bot makes from now on (see ``watch_bot_api_calls``)."""
    return watch_bot_api_calls(harness.running.application.bot)


def calls_inside_a_unit_of_work(calls: Sequence[BotApiCall]) -> list[str]:
    return [method for method, inside in calls if inside]


def fail_on_calls_inside_a_unit_of_work(calls: Sequence[BotApiCall]) -> None:
    """Fail the test if the bot called Telegram while a unit of work was open."""
    inside = calls_inside_a_unit_of_work(calls)
    if inside:
        pytest.fail(
            f"{len(inside)} Bot API call(s) made inside an open unit of work: {inside}; "
            "a Telegram call belongs after the commit",
            pytrace=False,
        )
