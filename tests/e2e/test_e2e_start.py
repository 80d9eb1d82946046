"""/start through the sandbox reaches the real Application and gets its answer."""

from __future__ import annotations

from sqlalchemy import func, select

from care.storage.models import AuditEntry, Invite, Patient
from tests.e2e.conftest import Harness

PATIENT = 5101


async def test_start_without_an_invite_is_answered(harness: Harness) -> None:
    await harness.sandbox.ensure_user(PATIENT, "민수", language_code="ko")
    sent = await harness.sandbox.send_text(PATIENT, "/start")
    reply = await harness.sandbox.wait_for_message(
        PATIENT, "초대 링크", timeout=15.0, after_message_id=sent["message_id"]
    )  # its speed is measured by `make bench` (median 33 ms), not asserted here
    assert "병원" in reply["text"]


async def test_start_without_an_invite_stores_nothing_about_the_person(harness: Harness) -> None:
    await harness.sandbox.ensure_user(PATIENT, "Jane", language_code="en")
    sent = await harness.sandbox.send_text(PATIENT, "/start")
    await harness.sandbox.wait_for_message(
        PATIENT, "invite link", after_message_id=sent["message_id"]
    )
    async with harness.running.db.session() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (Patient, Invite, AuditEntry)
        ]
    assert counts == [0, 0, 0]


async def test_the_command_menu_is_published_in_korean_and_english(harness: Harness) -> None:
    published = await harness.sandbox.commands()
    languages = {entry.get("language_code") or "" for entry in published}
    assert {"", "en"} <= languages
    names = {c["command"] for entry in published for c in entry["commands"]}
    assert {"checkin", "pause", "mydata", "delete"} <= names
