"""The harness's guard: a Bot API call made inside an open unit of work is seen, by method.

Every end-to-end test is checked at teardown (tests/e2e/conftest.py); this one shows the check
can fail, then clears what it recorded so its own teardown passes.
"""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.support.telegram import calls_inside_a_unit_of_work


async def test_a_call_inside_a_unit_of_work_is_recorded_as_such_and_one_after_is_not(
    harness: Harness,
) -> None:
    bot = harness.running.application.bot
    async with harness.running.db.uow():
        await bot.get_me()
    await bot.get_me()

    assert calls_inside_a_unit_of_work(harness.bot_api_calls) == ["getMe"]
    assert [method for method, _ in harness.bot_api_calls] == ["getMe", "getMe"]
    harness.bot_api_calls.clear()
