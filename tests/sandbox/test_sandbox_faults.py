"""Injected faults: the next N calls of a method fail (or answer late), then calls succeed."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox import BotApiSandbox, SandboxClient

from .conftest import PATIENT, TOKEN

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_an_injected_500_raises_network_error_and_delivers_nothing(
    bot: Bot, client: SandboxClient
) -> None:
    await client.inject_fault("sendMessage", status=500)

    with pytest.raises(NetworkError, match="Internal Server Error") as raised:
        await bot.send_message(PATIENT, "lost")

    assert type(raised.value) is NetworkError
    assert await client.sent_messages(PATIENT) == []
    assert (await bot.send_message(PATIENT, "delivered")).text == "delivered"
    assert (await client.stats())["faults_injected"] == 1


async def test_a_fault_lasts_for_count_calls_and_matches_any_case(
    bot: Bot, client: SandboxClient
) -> None:
    await client.inject_fault("SENDMESSAGE", status=502, count=2)

    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(PATIENT, "lost")

    assert (await bot.send_message(PATIENT, "third")).text == "third"


async def test_an_injected_429_raises_retry_after(bot: Bot, client: SandboxClient) -> None:
    await client.inject_fault("editMessageText", status=429, retry_after=7)
    sent = await bot.send_message(PATIENT, "before")

    with pytest.raises(RetryAfter, match="Retry in 7"):
        await bot.edit_message_text("after", chat_id=PATIENT, message_id=sent.message_id)

    assert (await client.stats())["flood_429"] == 0  # injected, not flood control


async def test_a_delayed_answer_makes_the_client_time_out(
    sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    await client.inject_fault("getChat", status=None, delay=5.0)
    impatient = HTTPXRequest(read_timeout=0.2)

    async with Bot(TOKEN, base_url=sandbox.api_url, request=impatient) as bot:
        with pytest.raises(TimedOut):
            await bot.get_chat(PATIENT)


async def test_a_late_answer_after_the_call_was_carried_out_delivers_it(
    sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    """Telegram accepted the message; the client timed out waiting for the answer."""
    await client.inject_fault("sendMessage", status=None, delay=1.0)
    impatient = HTTPXRequest(read_timeout=0.2)

    async with Bot(TOKEN, base_url=sandbox.api_url, request=impatient) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(PATIENT, "accepted")
        await client.wait_for_message(PATIENT, "accepted")


@pytest.mark.parametrize(("status", "delivered"), [(None, ["dropped"]), (500, [])])
async def test_a_dropped_connection_gives_no_answer(
    bot: Bot, client: SandboxClient, status: int | None, delivered: list[str]
) -> None:
    await client.inject_fault("sendMessage", status=status, drop=True)

    with pytest.raises(NetworkError, match=r"RemoteProtocolError|ReadError") as raised:
        await bot.send_message(PATIENT, "dropped")

    assert type(raised.value) is NetworkError
    assert [m["text"] for m in await client.sent_messages(PATIENT)] == delivered
    assert (await bot.send_message(PATIENT, "after")).text == "after"
