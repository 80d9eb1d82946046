"""Telegram delivers an update again (a webhook answer timed out, a poll's offset was lost):
it is handled once: one stored row, one reply, one alert, one audit row."""

from __future__ import annotations

from typing import Any

import httpx

from tests.drills.scenarios import is_alert
from tests.drills.support import counts
from tests.e2e.conftest import Harness, button, running_harness
from tests.e2e.flows import register

USER = 8601
COORDINATOR = 9001
GROUP = -1001
SECRET = "drill-secret-0123456789"


async def update_of(harness: Harness, message_id: int, kind: str = "message") -> dict[str, Any]:
    for update in await harness.sandbox.delivered_updates():
        payload = update.get(kind) or {}
        if payload.get("message_id") == message_id or (
            kind == "callback_query" and payload.get("message", {}).get("message_id") == message_id
        ):
            return update
    raise AssertionError(f"no {kind} update for message {message_id}")


async def settle(harness: Harness, user: int) -> None:
    """Let everything queued so far be handled: a green text's reply comes after it."""
    sent = await harness.sandbox.send_text(user, "감사합니다")
    await harness.sandbox.wait_for_message(user, "받았어요", after_message_id=sent["message_id"])


async def test_a_red_text_delivered_twice_is_kept_answered_and_alerted_once(
    harness: Harness,
) -> None:
    await register(harness, USER)
    await harness.sandbox.ensure_group(GROUP, "nurses", members=[COORDINATOR])
    sent = await harness.sandbox.send_text(USER, "어제부터 소변이 안 나와요")
    reply = await harness.sandbox.wait_for_message(USER, "119", after_message_id=sent["message_id"])
    assert "reply_markup" not in reply  # a stated sign: its advice at once, nothing asked
    await harness.sandbox.wait_for_message(GROUP, is_alert)  # its alert is posted at once
    await harness.running.application.bot_data["services"].post_alerts.drain()
    before = await counts(harness.running.db)
    await harness.sandbox.redeliver((await update_of(harness, sent["message_id"]))["update_id"])
    await settle(harness, USER)
    await harness.running.application.bot_data["services"].post_alerts.drain()
    after = await counts(harness.running.db)
    assert after["inbound"] == before["inbound"] + 1  # only the settling text
    assert after["alerts"] == before["alerts"] == 1
    assert after["audit"] == before["audit"]
    advice = [m for m in await harness.sandbox.sent_messages(USER) if "응급실" in m["text"]]
    assert len(advice) == 1
    assert len([m for m in await harness.sandbox.sent_messages(GROUP) if is_alert(m)]) == 1

    # an unsure message's answer, delivered twice: one alert opened, one audit row
    sent = await harness.sandbox.send_text(USER, "다리가 좀 이상해요")
    question = await harness.sandbox.wait_for_message(
        USER, lambda m: "1|ftc|" in str(m), after_message_id=sent["message_id"]
    )
    await harness.sandbox.press_button(
        USER, USER, question["message_id"], button(question, "1|ftc|")
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == question["message_id"] and m["text"] != question["text"]
    )
    await harness.running.application.bot_data["services"].post_alerts.drain()
    pressed = await counts(harness.running.db)
    assert pressed["alerts"] == 2
    press = await update_of(harness, question["message_id"], "callback_query")
    await harness.sandbox.redeliver(press["update_id"])
    await settle(harness, USER)
    await harness.running.application.bot_data["services"].post_alerts.drain()
    final = await counts(harness.running.db)
    assert (final["alerts"], final["audit"]) == (pressed["alerts"], pressed["audit"])
    assert len([m for m in await harness.sandbox.sent_messages(GROUP) if is_alert(m)]) == 2


async def test_by_webhook_the_same_update_or_the_same_message_is_handled_once(
    database_url: str, clock: Any, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    async with running_harness(
        database_url,
        clock,
        webhook_url=url,
        webhook_secret=SECRET,
        webhook_listen=f"127.0.0.1:{unused_tcp_port}",
    ) as harness:
        await register(harness, USER, language="en")
        sent = await harness.sandbox.send_text(USER, "I had a good walk today")
        await harness.sandbox.wait_for_message(
            USER, "got your message", after_message_id=sent["message_id"]
        )
        update = await update_of(harness, sent["message_id"])
        before = await counts(harness.running.db)
        replies = len(await harness.sandbox.sent_messages(USER))

        await harness.sandbox.redeliver(update["update_id"])
        same_message = {**update, "update_id": update["update_id"] + 10_000}
        async with httpx.AsyncClient() as http:
            for body in (update, same_message):
                answer = await http.post(
                    url, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                assert answer.status_code == 200
        settled = await harness.sandbox.send_text(USER, "thank you")
        await harness.sandbox.wait_for_message(
            USER, "got your message", after_message_id=settled["message_id"]
        )

        after = await counts(harness.running.db)
        assert after["inbound"] == before["inbound"] + 1
        assert after["alerts"] == before["alerts"]
        assert len(await harness.sandbox.sent_messages(USER)) == replies + 1
