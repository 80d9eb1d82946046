"""The browser chat page at /sandbox/chat and the control endpoints it relies on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile

import sandbox as sandbox_package
from sandbox import BotApiSandbox, SandboxClient
from sandbox.chat_page import page_html
from sandbox.client import SandboxError

from .conftest import COORDINATOR, PATIENT

GROUP = -1000000000001
PAGE_FILE = Path(sandbox_package.__file__).parent / "chat_page.html"
ENDPOINT = re.compile(r'(\w+): \["(GET|POST|DELETE)", "(/[^"]*)"\]')


def page_script() -> str:
    match = re.search(r"<script>(.*)</script>", PAGE_FILE.read_text(encoding="utf-8"), re.S)
    assert match is not None
    return match.group(1)


def page_endpoints() -> dict[str, tuple[str, str]]:
    """The ENDPOINTS table of the page's script: name -> (method, path under /sandbox)."""
    table = re.search(r"const ENDPOINTS = \{(.*?)\n\};", page_script(), re.S)
    assert table is not None
    found = {name: (method, path) for name, method, path in ENDPOINT.findall(table.group(1))}
    assert len(found) == len([line for line in table.group(1).splitlines() if line.strip()])
    return found


@pytest.fixture
async def control(sandbox: BotApiSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.control_url, timeout=10) as session:
        yield session


async def test_the_chat_page_is_served_as_utf8_html_with_its_form_and_script(
    sandbox: BotApiSandbox, control: httpx.AsyncClient
) -> None:
    response = await control.get("/chat")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert sandbox.chat_url == f"{sandbox.control_url}/chat"
    html = response.text
    assert html == PAGE_FILE.read_text(encoding="utf-8") == page_html()
    for needle in ('<meta charset="utf-8">', '<form id="send-form"', '<form id="user-form"'):
        assert needle in html
    assert '<form id="group-form"' in html
    assert "<script>" in html
    assert "한국어" in html
    assert not re.search(r"<(script|link)[^>]*(src|href)=", html)
    assert not re.search(r'(src|href)="(https?:)?//', html)


@pytest.mark.parametrize("path", ["", "/"])
async def test_the_control_root_leads_to_the_chat_page(
    control: httpx.AsyncClient, sandbox: BotApiSandbox, path: str
) -> None:
    response = await control.get(sandbox.control_url + path)

    assert response.status_code == 302
    assert response.headers["location"] == "/sandbox/chat"


def test_the_page_sends_every_request_through_its_endpoint_table() -> None:
    script = page_script()
    endpoints = page_endpoints()
    first_arguments = re.findall(r"\b(?:api|endpointUrl)\(([^,)]*)", script)
    used = {name for argument in first_arguments for name in re.findall(r'"(\w+)"', argument)}

    assert script.count("fetch(") == 1
    assert used == set(endpoints)
    assert {"messages", "send", "press", "wait", "users", "chats", "file"} <= set(endpoints)


class HourClock:
    """A demo clock as the service lends one (spinecare/demo.py), moving by the hour."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    async def step(self, step: str) -> datetime:
        self.at += timedelta(hours=1)
        return self.at


async def test_the_demo_clock_exists_only_when_the_service_lends_one(
    sandbox: BotApiSandbox, control: httpx.AsyncClient
) -> None:
    assert (await control.get("/clock")).status_code == 404
    assert (await control.post("/clock", json={"step": "day"})).status_code == 404

    sandbox.control.demo_clock = HourClock()
    moved = await control.post("/clock", json={"step": "hour"})
    wrong = await control.post("/clock", json={"step": "year"})

    assert moved.json()["result"]["now"] == "2026-11-21T02:00:00+00:00"
    assert wrong.status_code == 400


async def test_every_endpoint_the_page_uses_answers(
    sandbox: BotApiSandbox, bot: Bot, client: SandboxClient, control: httpx.AsyncClient
) -> None:
    await client.send_text(PATIENT, "/start")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("괜찮아요", callback_data="ok")]])
    asked = await bot.send_message(PATIENT, "오늘 허리는 어떠세요?", reply_markup=keyboard)
    sent = await bot.send_document(PATIENT, InputFile(b"a,b\n", filename="diary.csv"))
    assert sent.document is not None
    values = {"user_id": str(PATIENT), "file_id": sent.document.file_id}
    bodies: dict[str, Any] = {
        "ensureUser": {"id": COORDINATOR, "first_name": "Dr Lee", "language_code": "en"},
        "ensureGroup": {"id": GROUP, "title": "coordinators", "members": [COORDINATOR]},
        "send": {"user_id": PATIENT, "chat_id": PATIENT, "text": "안녕하세요"},
        "attach": {"user_id": PATIENT, "chat_id": PATIENT, "kind": "photo", "caption": "상처"},
        "press": {
            "user_id": PATIENT,
            "chat_id": PATIENT,
            "message_id": asked.message_id,
            "data": "ok",
        },
    }
    bodies["moveClock"] = {"step": "hour"}
    sandbox.control.demo_clock = HourClock()  # the service lends its demo clock without a token
    queries: dict[str, dict[str, Any]] = {
        "messages": {"chat_id": PATIENT},
        "wait": {"after_version": -1, "timeout": 0, "chat_id": PATIENT},
    }

    for name, (method, template) in page_endpoints().items():
        path = re.sub(r"\{(\w+)\}", lambda found: quote(values[found.group(1)]), template)
        response = await control.request(
            method, path, json=bodies.get(name), params=queries.get(name)
        )

        assert response.status_code == 200, (name, path, response.text)
        if name != "file":
            assert response.json()["ok"] is True, name


async def test_users_and_chats_list_what_the_sandbox_knows(
    client: SandboxClient, control: httpx.AsyncClient
) -> None:
    await client.ensure_user(COORDINATOR, "Dr Lee", language_code="en", started=False)
    await client.ensure_group(GROUP, "코디네이터", [COORDINATOR, PATIENT], chat_type="supergroup")
    await client.block(PATIENT)

    users = await client.users()
    chats = await client.chats()

    assert users == [
        {
            "id": PATIENT,
            "is_bot": False,
            "first_name": "Minji",
            "language_code": "ko",
            "blocked": True,
        },
        {
            "id": COORDINATOR,
            "is_bot": False,
            "first_name": "Dr Lee",
            "language_code": "en",
            "blocked": False,
        },
    ]
    assert chats == [
        {"id": PATIENT, "type": "private", "first_name": "Minji", "members": []},
        {
            "id": GROUP,
            "type": "supergroup",
            "title": "코디네이터",
            "members": [PATIENT, COORDINATOR],
        },
    ]
    raw = (await control.get("/chats")).json()
    assert raw == {"ok": True, "result": chats}


async def test_chat_messages_hold_both_sides_as_they_are_now(
    bot: Bot, client: SandboxClient, control: httpx.AsyncClient
) -> None:
    await client.ensure_user(COORDINATOR, "Dr Lee", language_code="en")
    await client.send_text(PATIENT, "/start")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("예", callback_data="yes")]])
    asked = await bot.send_message(PATIENT, "열이 있나요?", reply_markup=keyboard)
    gone = await bot.send_message(PATIENT, "잠시만요")
    await bot.delete_message(PATIENT, gone.message_id)
    await bot.edit_message_text("열이 있나요? (답함)", chat_id=PATIENT, message_id=asked.message_id)
    await bot.send_message(COORDINATOR, "not in the patient's chat")
    await client.send_text(PATIENT, "아니요", reply_to_message_id=asked.message_id)

    messages = await client.chat_messages(PATIENT)

    assert [(m["message_id"], m["from"]["id"], m["text"]) for m in messages] == [
        (1, PATIENT, "/start"),
        (asked.message_id, bot.id, "열이 있나요? (답함)"),
        (4, PATIENT, "아니요"),
    ]
    assert messages[0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert "edit_date" in messages[1]
    assert "reply_markup" not in messages[1]
    assert messages[2]["reply_to_message"]["message_id"] == asked.message_id
    raw = (await control.get("/messages", params={"chat_id": PATIENT})).json()
    assert raw == {"ok": True, "result": messages}
    everywhere = await client.chat_messages()
    assert [m["chat"]["id"] for m in everywhere] == [PATIENT, PATIENT, COORDINATOR, PATIENT]
    bad = await control.get("/messages", params={"chat_id": "x"})
    assert bad.status_code == 400
    assert bad.json()["description"] == "Bad Request: chat_id must be an integer"


async def test_chat_messages_show_the_bots_keyboards_in_full(
    bot: Bot, client: SandboxClient
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("예", callback_data="yes")]])
    await bot.send_message(PATIENT, "열이 있나요?", reply_markup=keyboard)

    (message,) = await client.chat_messages(PATIENT)

    assert message["reply_markup"] == {
        "inline_keyboard": [[{"text": "예", "callback_data": "yes"}]]
    }


async def test_documents_download_by_file_id(
    bot: Bot, client: SandboxClient, control: httpx.AsyncClient
) -> None:
    content = "날짜,통증\n2025-01-01,3\n".encode()
    sent = await bot.send_document(PATIENT, InputFile(content, filename="통증 일지.csv"))
    assert sent.document is not None

    response = await control.get(f"/files/{sent.document.file_id}")

    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "text/csv"
    assert response.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%ED%86%B5%EC%A6%9D%20%EC%9D%BC%EC%A7%80.csv"
    )
    assert await client.download(sent.document.file_id) == content
    missing = await control.get("/files/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: no file with this file_id",
    }
    with pytest.raises(SandboxError, match="404"):
        await client.download("nope")
