"""Issue 11 end to end: a red check-in answer reaches the patient and the group at once; an
amber answer followed by silence reaches the group after the follow-up timeout."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.storage.followups import ANSWER_WITHIN
from care.storage.models import Alert, AlertState
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register
from tests.e2e.test_e2e_checkin import CALM, USER, answer_all, start_checkin

COORDINATORS = -1001


async def test_a_red_weakness_answer_then_silence_tells_the_patient_and_the_group_at_once(
    harness: Harness,
) -> None:
    await register(harness, USER, language="ko")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[9001])
    first = await start_checkin(harness)
    question = await answer_all(harness, first, CALM, stop_at="weak")
    assert "5/12" in question["text"]  # transforaminal: the side-pain question too
    assert "다리 통증 2 · 허리 통증 3 · 저림 비슷해요 · 소변 잘 나와요" in question["text"]
    checkin_id = button(question, "1|ans|").split("|")[2]
    await harness.sandbox.press_button(
        USER, USER, question["message_id"], f"1|ans|{checkin_id}|weak|new"
    )
    advice = await harness.sandbox.wait_for_message(
        USER, "119", after_message_id=question["message_id"]
    )
    assert advice["text"].startswith("지금 바로 119")  # the action comes first
    posted = await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: "1|ack|" in str(m), timeout=15.0
    )  # no periodic job runs here (start_jobs=False): the answer itself posted it
    assert "P-" in posted["text"]
    # the question message moved on: the remaining questions still follow
    moved = await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == question["message_id"] and "|bowel|" in str(m)
    )
    assert "새로 약해졌거나" in moved["text"]  # the red answer is in the summary


async def test_an_amber_answer_then_silence_alerts_after_the_follow_up_timeout(
    harness: Harness,
) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[9001])
    first = await start_checkin(harness)
    question = await answer_all(harness, first, CALM, stop_at="fever")
    checkin_id = button(question, "1|ans|").split("|")[2]
    await harness.sandbox.press_button(
        USER, USER, question["message_id"], f"1|ans|{checkin_id}|fever|hi"
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == question["message_id"] and "|wound|" in str(m)
    )
    async with harness.running.db.session() as session:
        alert = await session.scalar(select(Alert))
    assert alert is not None and alert.state == AlertState.AWAITING

    harness.clock.advance(ANSWER_WITHIN - timedelta(minutes=1))
    assert await harness.running.scheduler.escalate() == 0
    harness.clock.advance(timedelta(minutes=2))
    assert await harness.running.scheduler.escalate() == 1
    posted = await harness.sandbox.wait_for_message(COORDINATORS, lambda m: "P-" in str(m))
    assert "P-" in posted["text"]
    async with harness.running.db.session() as session:
        alert = await session.scalar(select(Alert))
    assert alert is not None and alert.state == AlertState.OPEN and alert.severity == "amber"
