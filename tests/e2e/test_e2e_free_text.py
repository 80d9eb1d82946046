"""Free text with a warning sign: stored, answered with advice and one question, escalated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.models import Alert, AlertState, InboundMessage
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register

USER = 8401
COORDINATORS = -1001


async def write(harness: Harness, text: str, expect: str) -> dict:  # type: ignore[type-arg]
    sent = await harness.sandbox.send_text(USER, text)
    return await harness.sandbox.wait_for_message(USER, expect, after_message_id=sent["message_id"])


async def alerts(harness: Harness) -> list[Alert]:
    async with harness.running.db.session() as session:
        return list((await session.scalars(select(Alert).order_by(Alert.id))).all())


async def test_a_red_sign_in_korean_gets_emergency_advice_and_a_question(harness: Harness) -> None:
    await register(harness, USER)
    reply = await write(harness, "어제부터 소변이 안 나와요", "119")
    assert "응급실" in reply["text"]
    [alert] = await alerts(harness)
    assert (alert.severity, alert.state, alert.source) == ("red", AlertState.AWAITING, "free_text")
    assert 1 in alert.flags


async def test_confirming_a_red_sign_alerts_the_coordinators(harness: Harness) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Spine clinic nurses", members=[9001])
    reply = await write(harness, "I can't pee and it's numb down there", "emergency")
    await harness.sandbox.press_button(USER, USER, reply["message_id"], button(reply, "1|ftc|"))
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == reply["message_id"] and "nurse" in m["text"]
    )
    [alert] = await alerts(harness)
    assert alert.state == AlertState.OPEN and alert.severity == "red"

    await harness.running.scheduler.escalate()
    posted = await harness.sandbox.wait_for_message(COORDINATORS, lambda m: "1|ack|" in str(m))
    assert "P-" in posted["text"]


async def test_an_unanswered_follow_up_is_escalated_after_ten_minutes(harness: Harness) -> None:
    await register(harness, USER)
    await write(harness, "열이 38.5도까지 올랐어요", "오늘")
    [alert] = await alerts(harness)
    assert alert.state == AlertState.AWAITING

    harness.clock.advance(timedelta(minutes=9))
    await harness.running.scheduler.escalate()
    assert (await alerts(harness))[0].state == AlertState.AWAITING

    harness.clock.advance(timedelta(minutes=2))
    await harness.running.scheduler.escalate()
    [alert] = await alerts(harness)
    assert alert.state == AlertState.OPEN
    assert "no_answer" in alert.reasons


async def test_saying_no_to_a_red_sign_still_leaves_it_for_a_nurse(harness: Harness) -> None:
    await register(harness, USER)
    reply = await write(harness, "다리에 힘이 빠져요", "119")
    await harness.sandbox.press_button(
        USER, USER, reply["message_id"], "1|ftc|" + reply_id(reply) + "|no"
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == reply["message_id"] and "안전을 위해" in m["text"]
    )
    [alert] = await alerts(harness)
    assert (alert.state, alert.severity) == (AlertState.OPEN, "amber")


async def test_benign_text_is_kept_and_thanked_without_an_alert(harness: Harness) -> None:
    await register(harness, USER)
    long_text = "오늘은 열심히 걸었어요. " * 400
    await write(harness, long_text.strip(), "받았어요")
    assert await alerts(harness) == []
    async with harness.running.db.session() as session:
        stored = (await session.scalars(select(InboundMessage.text))).all()
    assert stored == [long_text.strip()]


async def test_a_forged_follow_up_answer_for_another_message_changes_nothing(
    harness: Harness,
) -> None:
    await register(harness, USER)
    reply = await write(harness, "상처에서 고름이 나와요", "오늘")
    await harness.sandbox.press_button(USER, USER, reply["message_id"], "1|ftc|999|yes", force=True)
    await harness.sandbox.wait_for_message(USER, "지난 질문", after_message_id=reply["message_id"])
    [alert] = await alerts(harness)
    assert alert.state == AlertState.AWAITING


def reply_id(reply: dict) -> str:  # type: ignore[type-arg]
    return button(reply, "1|ftc|").split("|")[2]
