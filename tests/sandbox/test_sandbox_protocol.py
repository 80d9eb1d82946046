"""The Bot API wire protocol as raw HTTP: bodies, method names, errors, getUpdates semantics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sandbox import BotApiSandbox, SandboxClient
from sandbox.client import SandboxError

from .conftest import COORDINATOR, PATIENT, TOKEN

GROUP = -5005


@pytest.fixture
async def http(sandbox: BotApiSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{sandbox.api_url}{TOKEN}/", timeout=10) as session:
        yield session


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> dict[str, Any]:
    response = await http.post(method, json=params)
    body: dict[str, Any] = response.json()
    assert (response.status_code == 200) == body["ok"]
    if not body["ok"]:
        assert body["error_code"] == response.status_code
    return body


async def test_method_names_are_case_insensitive_and_any_body_is_accepted(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    by_get = (await http.get("GETME")).json()
    by_form = (await http.post("sendmessage", data={"chat_id": str(PATIENT), "text": "f"})).json()
    by_json = (await http.post("sendMessage", json={"chat_id": PATIENT, "text": "j"})).json()
    by_query = (await http.get("SendMessage", params={"chat_id": PATIENT, "text": "q"})).json()

    assert by_get["result"]["username"] == "spinecare_sandbox_bot"
    assert [b["result"]["text"] for b in (by_form, by_json, by_query)] == ["f", "j", "q"]


@pytest.mark.parametrize(
    ("path", "status", "description"),
    [
        (f"/bot{TOKEN}/noSuchMethod", 404, "Not Found"),
        ("/bot654321:WRONG/getMe", 401, "Unauthorized"),
        ("/botnot-a-token/getMe", 404, "Not Found"),
    ],
)
async def test_wrong_tokens_and_methods_answer_like_telegram(
    sandbox: BotApiSandbox, path: str, status: int, description: str
) -> None:
    async with httpx.AsyncClient() as session:
        response = await session.post(sandbox.url + path)

    assert response.status_code == status
    assert response.json() == {"ok": False, "error_code": status, "description": description}


async def test_error_answers_carry_telegrams_descriptions(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    missing = await call(http, "sendMessage", chat_id=424242, text="hi")
    empty = await call(http, "sendMessage", chat_id=PATIENT)
    bad_html = await call(http, "sendMessage", chat_id=PATIENT, text="<b>x", parse_mode="HTML")

    assert missing["description"] == "Bad Request: chat not found"
    assert empty["description"] == "Bad Request: message text is empty"
    assert bad_html["description"].startswith("Bad Request: can't parse entities")


async def test_get_updates_offset_confirms_earlier_updates(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    for text in ("one", "two", "three"):
        await client.send_text(PATIENT, text)

    first = (await call(http, "getUpdates", limit=2))["result"]
    again = (await call(http, "getUpdates"))["result"]
    confirmed = (await call(http, "getUpdates", offset=first[1]["update_id"] + 1))["result"]

    assert [u["message"]["text"] for u in first] == ["one", "two"]
    assert [u["message"]["text"] for u in again] == ["one", "two", "three"]
    assert [u["message"]["text"] for u in confirmed] == ["three"]
    assert [u["update_id"] for u in again] == sorted(u["update_id"] for u in again)


async def test_a_negative_offset_keeps_only_the_last_updates(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    for text in ("one", "two", "three"):
        await client.send_text(PATIENT, text)

    last = (await call(http, "getUpdates", offset=-1))["result"]
    after = (await call(http, "getUpdates"))["result"]

    assert [u["message"]["text"] for u in last] == ["three"]
    assert after == last


async def test_a_long_poll_returns_as_soon_as_an_update_arrives(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    poll = asyncio.create_task(call(http, "getUpdates", timeout=30))
    await asyncio.sleep(0.05)  # let the poll reach the server before the message
    assert not poll.done()

    await client.send_text(PATIENT, "wake up")
    (update,) = (await asyncio.wait_for(poll, timeout=5))["result"]

    assert update["message"]["text"] == "wake up"


async def test_a_newer_long_poll_terminates_the_older_one(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    older = asyncio.create_task(call(http, "getUpdates", timeout=30))
    await asyncio.sleep(0.05)

    newer = asyncio.create_task(call(http, "getUpdates", timeout=30))
    refused = await asyncio.wait_for(older, timeout=5)
    await client.send_text(PATIENT, "for the newer")

    assert refused["error_code"] == 409
    assert refused["description"].startswith("Conflict: terminated by other getUpdates request")
    assert (await asyncio.wait_for(newer, timeout=5))["result"][0]["message"]["text"] == (
        "for the newer"
    )


async def test_allowed_updates_drops_other_update_types(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    await call(http, "getUpdates", allowed_updates=json.dumps(["callback_query"]))
    await client.send_text(PATIENT, "ignored")
    sent = await call(
        http,
        "sendMessage",
        chat_id=PATIENT,
        text="q",
        reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "x"}]]},
    )
    await client.press_button(PATIENT, PATIENT, sent["result"]["message_id"], "x")

    updates = (await call(http, "getUpdates"))["result"]

    assert [next(k for k in u if k != "update_id") for u in updates] == ["callback_query"]
    query = updates[0]["callback_query"]
    assert query["message"]["message_id"] == sent["result"]["message_id"]
    assert query["from"]["id"] == PATIENT
    assert query["chat_instance"]
    assert query["data"] == "x"


async def test_bot_command_entities_count_utf16_code_units(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    message = await client.send_text(PATIENT, "😀 /help@spinecare_sandbox_bot 허리")

    assert message["entities"] == [{"type": "bot_command", "offset": 3, "length": 27}]
    assert message["chat"] == {"id": PATIENT, "type": "private", "first_name": "Minji"}
    assert message["from"]["language_code"] == "ko"


async def test_privacy_mode_hides_plain_group_chatter_from_the_bot(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    await client.ensure_user(COORDINATOR, "Dr. Kim")
    await client.ensure_group(GROUP, "Coordinators", [COORDINATOR], chat_type="supergroup")

    await client.send_text(COORDINATOR, "lunch?", chat_id=GROUP)
    await client.send_text(COORDINATOR, "/ack@other_bot", chat_id=GROUP)
    await client.send_text(COORDINATOR, "/ack 12", chat_id=GROUP)

    updates = (await call(http, "getUpdates"))["result"]
    assert [u["message"]["text"] for u in updates] == ["/ack 12"]
    assert updates[0]["message"]["chat"]["type"] == "supergroup"


async def test_blocking_sends_my_chat_member_updates(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    await client.block(PATIENT)
    await client.unblock(PATIENT)

    updates = (await call(http, "getUpdates"))["result"]

    statuses = [
        (
            u["my_chat_member"]["old_chat_member"]["status"],
            u["my_chat_member"]["new_chat_member"]["status"],
        )
        for u in updates
    ]
    assert statuses == [("member", "kicked"), ("kicked", "member")]


async def test_a_users_photo_and_voice_arrive_as_telegram_shapes_them(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    await client.send_attachment(PATIENT, "photo", "상처 사진")
    await client.send_attachment(PATIENT, "voice")

    photo, voice = [u["message"] for u in (await call(http, "getUpdates"))["result"]]
    assert photo["caption"] == "상처 사진" and "text" not in photo
    assert [size["width"] for size in photo["photo"]] == [90, 960]  # smallest first
    assert {"file_id", "file_unique_id", "file_size"} <= set(photo["photo"][0])
    assert voice["voice"]["mime_type"] == "audio/ogg" and "caption" not in voice
    with pytest.raises(SandboxError, match="attachment kind"):
        await client.send_attachment(PATIENT, "hologram")


async def test_a_block_whose_update_was_lost_shows_only_as_a_403(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    await client.block(PATIENT, notify=False)

    assert (await call(http, "getUpdates"))["result"] == []
    refused = await call(http, "sendMessage", chat_id=PATIENT, text="hello")
    assert (refused["ok"], refused["error_code"]) == (False, 403)


async def test_a_button_must_be_on_the_message_unless_forced(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    sent = await call(
        http,
        "sendMessage",
        chat_id=PATIENT,
        text="q",
        reply_markup={"inline_keyboard": [[{"text": "b", "callback_data": "real"}]]},
    )
    message_id = sent["result"]["message_id"]

    with pytest.raises(SandboxError, match="no button"):
        await client.press_button(PATIENT, PATIENT, message_id, "forged")
    forced = await client.press_button(PATIENT, PATIENT, message_id, "forged", force=True)

    (update,) = (await call(http, "getUpdates"))["result"]
    assert update["callback_query"]["id"] == forced
    assert update["callback_query"]["data"] == "forged"


async def test_wait_for_message_gives_up_at_its_deadline(client: SandboxClient) -> None:
    with pytest.raises(TimeoutError, match="no bot message matching"):
        await client.wait_for_message(PATIENT, "never", timeout=0.2)


async def test_reset_forgets_everything(http: httpx.AsyncClient, client: SandboxClient) -> None:
    await call(http, "sendMessage", chat_id=PATIENT, text="before")

    await client.reset()

    assert await client.sent_messages() == []
    assert (await call(http, "sendMessage", chat_id=PATIENT, text="x"))["error_code"] == 400
    assert (await client.stats())["calls"] == {"sendMessage": 1}


async def test_setting_a_webhook_ends_a_waiting_long_poll_with_a_conflict(
    http: httpx.AsyncClient,
) -> None:
    poll = asyncio.create_task(call(http, "getUpdates", timeout=30))
    await asyncio.sleep(0.05)

    await call(http, "setWebhook", url="http://127.0.0.1:9/hook")
    refused = await asyncio.wait_for(poll, timeout=5)

    assert refused["error_code"] == 409
    assert "while webhook is active" in refused["description"]


async def test_a_user_who_never_started_the_bot_cannot_be_messaged(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    await client.ensure_user(3003, "Lurker", started=False)

    refused = await call(http, "sendMessage", chat_id=3003, text="hi")
    await client.send_text(3003, "/start")
    accepted = await call(http, "sendMessage", chat_id=3003, text="hi")

    assert refused["description"] == "Bad Request: chat not found"
    assert accepted["ok"] is True


async def test_the_control_view_shows_reply_keyboards_and_send_options(
    http: httpx.AsyncClient, client: SandboxClient
) -> None:
    keyboard = {"keyboard": [["한국어", "English"]], "one_time_keyboard": True}
    sent = await call(
        http,
        "sendMessage",
        chat_id=PATIENT,
        text="Language?",
        reply_markup=keyboard,
        disable_notification=True,
        protect_content=True,
    )

    (recorded,) = await client.sent_messages(PATIENT)

    assert "reply_markup" not in sent["result"]  # Telegram echoes inline keyboards only
    assert sent["result"]["has_protected_content"] is True
    assert recorded["reply_markup"] == keyboard
    assert recorded["sandbox_options"] == {
        "parse_mode": None,
        "disable_notification": True,
        "protect_content": True,
    }
