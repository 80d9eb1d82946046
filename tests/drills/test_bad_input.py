"""Input of every shape Telegram (or someone with a forged update) can send: a clear answer,
nothing changed, no unhandled error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from care.domain.callbacks import MAX_ID, Callback
from care.domain.errors import InvalidInput
from care.storage.inbox import storable
from care.storage.models import Alert, AlertState, CheckIn, InboundMessage
from tests.drills.support import counts
from tests.e2e.conftest import Harness, button, running_harness
from tests.e2e.flows import register

USER = 8801
NURSE = 9001
GROUP = -1001
SECRET = "drill-secret-0123456789"
HUGE = ("9" * 24, str(2**63), str(2**31), str(2**64 + 5))


@pytest.mark.parametrize("value", HUGE)
def test_callback_ids_are_bounded_before_any_query(value: str) -> None:
    with pytest.raises(InvalidInput):
        Callback("ack", (value,)).arg_int(0)
    assert Callback("ack", (str(MAX_ID),)).arg_int(0) == MAX_ID


def test_callback_ids_are_ascii_digits_only() -> None:
    for value in ("١٢٣", "²", "-1", "1e3"):
        with pytest.raises(InvalidInput):
            Callback("ack", (value,)).arg_int(0)


async def test_forged_presses_with_huge_or_missing_ids_change_nothing(harness: Harness) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.ensure_group(GROUP, "nurses", members=[NURSE])
    # An unsure message gets one question; its "yes" opens the alert, posted with real buttons.
    reply_to = await harness.sandbox.send_text(USER, "my leg feels strange")
    question = await harness.sandbox.wait_for_message(
        USER, lambda m: "1|ftc|" in str(m), after_message_id=reply_to["message_id"]
    )
    await harness.sandbox.press_button(
        USER, USER, question["message_id"], button(question, "1|ftc|")
    )
    posted = await harness.sandbox.wait_for_message(GROUP, lambda m: "1|ack|" in str(m))
    before = await counts(harness.running.db)

    forged = [
        *(f"1|ftc|{n}|y" for n in HUGE),
        *(f"1|ci|{n}" for n in HUGE),
        "1|ci|424242",  # a prompt that does not exist: refused, no foreign-key error
        *(f"1|ans|{n}|q1|o1" for n in HUGE),
        *(f"1|pdone|{n}" for n in HUGE),
        *(f"1|plater|{n}" for n in HUGE),
    ]
    coordinator_forged = [
        *(f"1|ack|{n}" for n in HUGE),
        *(f"1|called|{n}" for n in HUGE),
        *(f"1|bc|{n}|send" for n in HUGE),
        *(f"1|page|patients|{n}" for n in HUGE),
    ]
    with capture_logs() as logs:
        presses = [
            await harness.sandbox.press_button(USER, USER, question["message_id"], data, force=True)
            for data in forged
        ] + [
            await harness.sandbox.press_button(NURSE, GROUP, posted["message_id"], data, force=True)
            for data in coordinator_forged
        ]
        for press in presses:
            await harness.sandbox.wait_for_callback_answer(press)
    failures = [entry for entry in logs if entry.get("event") == "handler_failed"]
    assert failures == []
    after = await counts(harness.running.db)
    assert (after["inbound"], after["alerts"]) == (before["inbound"], before["alerts"])
    async with harness.running.db.session() as session:
        assert (await session.scalars(select(CheckIn))).all() == []
        [alert] = (await session.scalars(select(Alert))).all()
    assert alert.state == AlertState.OPEN


async def test_nul_and_control_characters_are_kept_safely(harness: Harness) -> None:
    await register(harness, USER)
    sent = "허리가\x00 아파요\x01\x1b[31m\u202e 끝"
    message = await harness.sandbox.send_text(USER, sent)
    await harness.sandbox.wait_for_message(
        USER, lambda m: True, after_message_id=message["message_id"]
    )
    async with harness.running.db.session() as session:
        [kept] = (await session.scalars(select(InboundMessage.text))).all()
    assert kept == "허리가 아파요\x01\x1b[31m\u202e 끝"


def test_a_broken_surrogate_is_stored_as_a_replacement_character() -> None:
    assert storable("a\ud800b\x00c") == "a\ufffdbc"
    assert storable("같은 글 ?") == "같은 글 ?"


BAD_BODIES: list[tuple[bytes, int]] = [
    (b"[]", 400),
    (b"null", 400),
    (b"not json", 400),
    (b"\xff\xfe", 400),
    (b'{"update_id": "1"}', 400),
    (b'{"update_id": 5, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"}}}', 400),
    (b'{"update_id": 6, "message": []}', 400),
]


async def test_the_webhook_answers_400_or_403_never_500(
    database_url: str, clock: Any, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/hook"
    async with (
        running_harness(
            database_url,
            clock,
            webhook_url=url,
            webhook_secret=SECRET,
            webhook_listen=f"127.0.0.1:{unused_tcp_port}",
        ),
        httpx.AsyncClient() as http,
    ):
        statuses = []
        for secret in ("비밀".encode(), b"\xff", SECRET.upper().encode()):
            answer = await http.post(
                url, content=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            )
            statuses.append(answer.status_code)
        assert statuses == [403, 403, 403]
        for body, expected in BAD_BODIES:
            answer = await http.post(
                url, content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert (body, answer.status_code) == (body, expected)


async def test_message_to_edit_not_found_is_logged_not_raised(harness: Harness) -> None:
    await register(harness, USER, language="en")
    sent = await harness.sandbox.send_text(USER, "my leg feels strange")  # unsure: one question
    question = await harness.sandbox.wait_for_message(
        USER, lambda m: "1|ftc|" in str(m), after_message_id=sent["message_id"]
    )
    await harness.sandbox.inject_fault(
        "editMessageText", status=400, description="Bad Request: message to edit not found"
    )
    with capture_logs() as logs:
        press = await harness.sandbox.press_button(
            USER, USER, question["message_id"], button(question, "1|ftc|")
        )
        await harness.sandbox.wait_for_callback_answer(press)
    events = [entry.get("event") for entry in logs]
    assert "handler_failed" not in events and "button_not_shown" in events
    async with harness.running.db.session() as session:
        [alert] = (await session.scalars(select(Alert))).all()
    assert alert.state == AlertState.OPEN  # the confirmation stands; only its display failed
    texts = [m["text"] for m in await harness.sandbox.sent_messages(USER)]
    assert not any("error" in text.lower() for text in texts)
