"""A photo or voice message: kept, and the patient asked; silence reaches a nurse."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.storage.models import Alert, AlertState, InboundMessage
from tests.e2e.conftest import Harness
from tests.e2e.flows import register

USER = 8501
COORDINATORS = -1001


async def send(harness: Harness, kind: str, caption: str, expect: str) -> dict:  # type: ignore[type-arg]
    sent = await harness.sandbox.send_attachment(USER, kind, caption)
    return await harness.sandbox.wait_for_message(USER, expect, after_message_id=sent["message_id"])


async def test_a_wordless_wound_photo_is_asked_about_and_silence_alerts_the_nurses(
    harness: Harness,
) -> None:
    await register(harness, USER)
    reply = await send(harness, "photo", "", "사진이나 음성 메시지를 볼 수 없어요")
    assert "|y'" in str(reply["reply_markup"]) and "|n'" in str(reply["reply_markup"])
    async with harness.running.db.session() as session:
        stored = (await session.scalars(select(InboundMessage.text))).all()
        alert = await session.scalar(select(Alert))
    assert stored == ["[photo]"]
    assert alert is not None and (alert.state, alert.severity) == (AlertState.AWAITING, "amber")

    harness.clock.advance(timedelta(minutes=11))
    await harness.running.scheduler.escalate()
    posted = await harness.sandbox.wait_for_message(COORDINATORS, lambda m: "1|ack|" in str(m))
    assert "[photo]" in posted["text"]


async def test_a_voice_message_in_english_is_asked_about_in_english(harness: Harness) -> None:
    await register(harness, USER, language="en")
    await send(harness, "voice", "", "cannot see photos or hear voice messages")


async def test_a_captioned_photo_is_read_for_warning_signs(harness: Harness) -> None:
    await register(harness, USER)
    await send(harness, "photo", "어제부터 소변이 안 나와요", "119")
    async with harness.running.db.session() as session:
        stored = (await session.scalars(select(InboundMessage.text))).all()
        alert = await session.scalar(select(Alert))
    assert stored == ["[photo] 어제부터 소변이 안 나와요"]
    assert alert is not None and alert.severity == "red" and 1 in alert.flags
