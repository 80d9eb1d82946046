"""Free text with a warning sign: stored; a stated sign advised and alerted at once; an unsure
one asked about with one question whose buttons name the answers; silence escalated."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.storage.models import Alert, AlertState, InboundMessage
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


async def test_a_red_sign_in_korean_gets_the_action_first_and_the_team_at_once(
    harness: Harness,
) -> None:
    await register(harness, USER)
    await harness.sandbox.ensure_group(COORDINATORS, "Spine clinic nurses", members=[9001])
    reply = await write(harness, "어제부터 소변이 안 나와요", "119")
    assert reply["text"].startswith("지금 바로 119") and "응급실" in reply["text"]
    assert not reply.get("reply_markup")  # a stated sign is not asked about again
    [alert] = await alerts(harness)
    assert (alert.severity, alert.state, alert.source) == ("red", AlertState.OPEN, "free_text")
    assert 1 in alert.flags
    posted = await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: "1|ack|" in str(m), timeout=5.0
    )
    assert "P-" in posted["text"]


async def test_the_same_words_get_the_same_tier_as_the_check_in(harness: Harness) -> None:
    """Issue 11 point 3: headache and 38.5 typed is red at once, with no question about the
    fever just reported (a "no" could not downgrade it)."""
    await register(harness, USER, language="en")
    reply = await write(harness, "어제부터 머리가 너무 아프고 열이 38.5도예요", "119")
    assert reply["text"].startswith("Call 119 now")
    assert not reply.get("reply_markup")
    [alert] = await alerts(harness)
    assert (alert.severity, alert.state) == ("red", AlertState.OPEN)


async def test_an_amber_sign_is_told_to_call_the_clinic_with_what_to_do_meanwhile(
    harness: Harness,
) -> None:
    await register(harness, USER)
    reply = await write(harness, "열이 38.2도예요", "4시간")
    assert "오늘 안에" in reply["text"] and harness.settings.clinic_phone in reply["text"]
    assert "119" in reply["text"]  # and when to call the emergency number instead
    [alert] = await alerts(harness)
    assert (alert.severity, alert.state) == ("amber", AlertState.OPEN)


async def test_after_hours_amber_advice_does_not_promise_today(harness: Harness) -> None:
    await register(harness, USER)
    harness.clock.advance(timedelta(hours=11))  # 20:00 in Seoul
    reply = await write(harness, "열이 38.2도예요", "4시간")
    assert "문이 닫혀" in reply["text"] and "오늘 안에" not in reply["text"]


async def test_an_unsure_sign_gets_one_question_whose_buttons_name_the_answer(
    harness: Harness,
) -> None:
    await register(harness, USER)
    reply = await write(harness, "머리가 아파요", "누우면")
    labels = [k["text"] for row in reply["reply_markup"]["inline_keyboard"] for k in row]
    assert labels == ["누우면 나아져요", "누워도 그대로 심해요", "이제 안 아파요"]
    [alert] = await alerts(harness)
    assert alert.state == AlertState.AWAITING
    await harness.sandbox.press_button(
        USER, USER, reply["message_id"], button(reply, "1|ftc|").rsplit("|", 1)[0] + "|sev"
    )
    told = await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == reply["message_id"] and "119" in m["text"]
    )
    assert told["text"].startswith("지금 바로 119")
    [alert] = await alerts(harness)
    assert (alert.state, alert.severity) == (AlertState.OPEN, "red")


async def test_an_unanswered_follow_up_is_escalated_after_ten_minutes(harness: Harness) -> None:
    await register(harness, USER)
    await write(harness, "머리가 아파요", "누우면")
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


async def test_an_answer_that_the_sign_is_not_there_closes_an_unsure_question(
    harness: Harness,
) -> None:
    await register(harness, USER)
    reply = await write(harness, "머리가 아파요", "누우면")
    await harness.sandbox.press_button(
        USER, USER, reply["message_id"], "1|ftc|" + reply_id(reply) + "|n"
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == reply["message_id"] and "기록해" in m["text"]
    )
    [alert] = await alerts(harness)
    assert alert.state == AlertState.RESOLVED


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
    reply = await write(harness, "머리가 아파요", "누우면")
    own = reply_id(reply)
    for forged in ("1|ftc|999|pos", f"1|ftc|{own}|zz", f"1|ftc|{own}|y"):  # not its answers
        await harness.sandbox.press_button(USER, USER, reply["message_id"], forged, force=True)
    await harness.sandbox.wait_for_message(USER, "지난 질문", after_message_id=reply["message_id"])
    [alert] = await alerts(harness)
    assert alert.state == AlertState.AWAITING


def reply_id(reply: dict) -> str:  # type: ignore[type-arg]
    return button(reply, "1|ftc|").split("|")[2]
