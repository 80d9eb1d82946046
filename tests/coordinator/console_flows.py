"""Steps of the coordinators' side through the sandbox, shared by the console tests."""

from __future__ import annotations

from typing import Any

from sandbox.client import Match
from tests.e2e.conftest import Harness

NURSE = 9001  # listed in SPINECARE_COORDINATOR_IDS by the harness
OTHER_NURSE = 9002
STRANGER = 9999
COORDINATORS = -1001


async def say(
    harness: Harness,
    user: int,
    text: str,
    expect: Match,
    *,
    chat: int | None = None,
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Send ``text`` as ``user`` (to their private chat unless ``chat``) and wait for the answer."""
    sent = await harness.sandbox.send_text(
        user,
        text,
        chat,
        reply_to_message_id=reply_to["message_id"] if reply_to else None,
    )
    return await harness.sandbox.wait_for_message(
        chat or user, expect, after_message_id=sent["message_id"]
    )


async def nurse(harness: Harness, user: int = NURSE, language: str = "ko") -> None:
    await harness.sandbox.ensure_user(user, "Nurse", language_code=language)


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [key["callback_data"] for row in markup.get("inline_keyboard", []) for key in row]
