"""The warning-sign card (/signs, in /help and the menu) and /language after registration."""

from __future__ import annotations

from tests.e2e.conftest import Harness, button
from tests.e2e.flows import patient_row, register

USER = 8701


async def test_signs_shows_what_means_119_now_and_what_the_clinic_today(harness: Harness) -> None:
    await register(harness, USER, language="ko")
    sent = await harness.sandbox.send_text(USER, "/signs")
    card = await harness.sandbox.wait_for_message(
        USER, "바로 연락", after_message_id=sent["message_id"]
    )
    text = card["text"]
    assert text.index("지금 바로 119") < text.index("오늘 안에 병원")
    assert harness.settings.clinic_phone in text and "양쪽 다리" in text
    sent = await harness.sandbox.send_text(USER, "/help")
    help_text = await harness.sandbox.wait_for_message(
        USER, "/checkin", after_message_id=sent["message_id"]
    )
    assert "/signs" in help_text["text"] and "/privacy" in help_text["text"]
    names = {c["command"] for entry in await harness.sandbox.commands() for c in entry["commands"]}
    assert {"signs", "privacy"} <= names


async def test_language_still_changes_after_registration(harness: Harness) -> None:
    code = await register(harness, USER, language="ko")
    sent = await harness.sandbox.send_text(USER, "/language")
    asked = await harness.sandbox.wait_for_message(
        USER, "Which language", after_message_id=sent["message_id"]
    )
    await harness.sandbox.press_button(
        USER, USER, asked["message_id"], button(asked, "1|setlang|en")
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == asked["message_id"] and m["text"] != asked["text"]
    )
    assert (await patient_row(harness, code)).language == "en"
