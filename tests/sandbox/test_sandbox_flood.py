"""Flood limits: a private chat allows a short burst then ~1/s, a group 20/min, a bot 30/s."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from sandbox import BotApiSandbox, FloodLimits, SandboxClient
from sandbox.errors import BotApiError
from sandbox.flood import FloodControl

from .conftest import COORDINATOR, PATIENT, TOKEN

GROUP = -4001
# PTB 22 announces that RetryAfter.retry_after becomes a timedelta; not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB 22 warns that `retry_after` will become a timedelta; accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def admitted(control: FloodControl, chat_id: int, chat_type: str, times: int) -> int:
    count = 0
    for _ in range(times):
        try:
            control.admit(chat_id, chat_type)
        except BotApiError:
            break
        count += 1
    return count


def test_a_private_chat_allows_a_burst_of_three_then_one_per_second() -> None:
    clock = FakeMonotonic()
    control = FloodControl(FloodLimits(), monotonic=clock)

    assert admitted(control, 1, "private", 10) == 3
    with pytest.raises(BotApiError) as refused:
        control.admit(1, "private")
    assert refused.value.error_code == 429
    assert refused.value.parameters == {"retry_after": 1}
    clock.now += 1.0
    assert admitted(control, 1, "private", 10) == 1
    assert admitted(control, 2, "private", 10) == 3  # another chat has its own budget


def test_a_group_allows_twenty_per_minute() -> None:
    clock = FakeMonotonic()
    control = FloodControl(FloodLimits(), monotonic=clock)

    assert admitted(control, GROUP, "group", 30) == 20
    clock.now += 30
    with pytest.raises(BotApiError) as refused:
        control.admit(GROUP, "group")
    assert refused.value.parameters == {"retry_after": 30}
    clock.now += 30
    assert admitted(control, GROUP, "group", 30) == 20


def test_the_bot_is_limited_to_thirty_per_second_across_chats() -> None:
    clock = FakeMonotonic()
    control = FloodControl(FloodLimits(private_burst=100), monotonic=clock)

    sent = sum(admitted(control, chat_id, "private", 1) for chat_id in range(1, 41))

    assert sent == 30


def test_a_refused_message_does_not_use_up_the_other_budgets() -> None:
    clock = FakeMonotonic()
    control = FloodControl(FloodLimits(bot_per_second=3, private_burst=5), monotonic=clock)
    assert admitted(control, 1, "private", 3) == 3
    assert admitted(control, 2, "private", 1) == 0  # refused by the bot-wide limit

    clock.now += 1.0

    assert admitted(control, 2, "private", 3) == 3  # chat 2 still has its full burst


def test_switched_off_limits_admit_everything() -> None:
    control = FloodControl(FloodLimits(enabled=False), monotonic=FakeMonotonic())

    assert admitted(control, 1, "private", 100) == 100


@pytest.fixture
async def limited() -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, flood_limits=FloodLimits()) as running:
        yield running


async def test_a_private_burst_answers_429_and_ptb_raises_retry_after(
    limited: BotApiSandbox,
) -> None:
    async with (
        SandboxClient(limited.control_url) as client,
        Bot(TOKEN, base_url=limited.api_url) as bot,
    ):
        await client.ensure_user(PATIENT, "Minji")
        for number in range(3):
            await bot.send_message(PATIENT, f"burst {number}")

        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(PATIENT, "one too many")

        assert retry_after_seconds(refused.value) == 1
        assert [m["text"] for m in await client.sent_messages(PATIENT)] == [
            "burst 0",
            "burst 1",
            "burst 2",
        ]
        assert (await client.stats())["flood_429"] == 1


async def test_a_group_over_twenty_a_minute_answers_429(limited: BotApiSandbox) -> None:
    async with (
        SandboxClient(limited.control_url) as client,
        Bot(TOKEN, base_url=limited.api_url) as bot,
    ):
        await client.ensure_user(COORDINATOR, "Dr. Kim")
        await client.ensure_group(GROUP, "Coordinators", [COORDINATOR])
        for number in range(20):
            await bot.send_message(GROUP, f"alert {number}")

        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(GROUP, "alert 20")

        assert 1 < retry_after_seconds(refused.value) <= 60
        assert len(await client.sent_messages(GROUP)) == 20


async def test_limits_can_be_switched_off_through_the_control_api(
    limited: BotApiSandbox,
) -> None:
    async with (
        SandboxClient(limited.control_url) as client,
        Bot(TOKEN, base_url=limited.api_url) as bot,
    ):
        await client.ensure_user(PATIENT, "Minji")
        await client.set_flood_limits(FloodLimits(enabled=False))

        for number in range(10):
            await bot.send_message(PATIENT, f"message {number}")

        assert len(await client.sent_messages(PATIENT)) == 10
