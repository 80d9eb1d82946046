"""The check-in through the sandbox: questions edited in place, triage, alerts, stale buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from care.storage.models import Alert, CheckIn, CheckInAnswer
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register
from tests.support.telegram import record_bot_api_calls

USER = 8601
COORDINATORS = -1001

CALM = {
    "legpain": "2",
    "backpain": "3",
    "numb": "same",
    "weak": "none",
    "head": "none",
    "fever": "no",
    "wound": "dry",
    "bladder": "ok",
    "bowel": "ok",
    "other": "none",
    "side": "no",
    "note": "none",
}


async def start_checkin(harness: Harness) -> dict[str, Any]:
    sent = await harness.sandbox.send_text(USER, "/checkin")
    return await harness.sandbox.wait_for_message(
        USER, lambda m: "1|ans|" in str(m), after_message_id=sent["message_id"]
    )


def edited(message: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """Matches the same message once its text has changed."""
    message_id, before = message["message_id"], message["text"]
    return lambda m: m["message_id"] == message_id and m["text"] != before


async def answer_all(
    harness: Harness, question: dict[str, Any], answers: dict[str, str], *, stop_at: str = ""
) -> dict[str, Any]:
    """Answer each question as it comes, from ``answers``, until none is left (or ``stop_at``)."""
    while "1|ans|" in str(question.get("reply_markup", "")):
        _, _, checkin_id, question_id, _ = button(question, "1|ans|").split("|")
        if question_id == stop_at:
            break
        choice = f"1|ans|{checkin_id}|{question_id}|{answers[question_id]}"
        await harness.sandbox.press_button(USER, USER, question["message_id"], choice)
        question = await harness.sandbox.wait_for_message(USER, edited(question))
    return question


async def test_a_calm_check_in_is_recorded_green_with_encouragement(harness: Harness) -> None:
    await register(harness, USER, language="en")
    first = await start_checkin(harness)
    done = await answer_all(harness, first, CALM)
    assert "Thank you" in done["text"]
    async with harness.running.db.session() as session:
        checkin = await session.scalar(select(CheckIn))
        answers = (await session.scalars(select(CheckInAnswer.question))).all()
        alerts = (await session.scalars(select(Alert))).all()
    assert checkin is not None and checkin.tier == "green" and checkin.completed_at is not None
    assert {"legpain", "backpain", "fever", "bladder", "side"} <= set(answers)  # transforaminal
    assert alerts == []


async def test_a_fever_answer_brings_emergency_advice_and_an_alert_at_once(
    harness: Harness,
) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[9001])
    first = await start_checkin(harness)
    done = await answer_all(harness, first, {**CALM, "fever": "hi", "other": "neck"})
    assert "emergency" in done["text"].lower() or "119" in done["text"]
    posted = await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: "1|ack|" in str(m), timeout=15.0
    )  # no periodic job runs here (start_jobs=False): the answer itself posted it
    assert "P-" in posted["text"]
    async with harness.running.db.session() as session:
        alert = await session.scalar(select(Alert))
    assert alert is not None and alert.severity == "red" and alert.source == "checkin"


async def test_an_unfinished_check_in_is_resumed_where_it_stopped(harness: Harness) -> None:
    await register(harness, USER, language="en")
    first = await start_checkin(harness)
    data = button(first, "1|ans|")
    checkin_id = data.split("|")[2]
    await harness.sandbox.press_button(
        USER, USER, first["message_id"], f"1|ans|{checkin_id}|legpain|4"
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == first["message_id"] and "|backpain|" in str(m)
    )
    again = await start_checkin(harness)
    assert again["message_id"] != first["message_id"]
    assert f"1|ans|{checkin_id}|backpain|" in str(again)


async def test_forged_and_stale_answers_change_nothing(harness: Harness) -> None:
    await register(harness, USER, language="en")
    first = await start_checkin(harness)
    checkin_id = button(first, "1|ans|").split("|")[2]
    for forged in (
        f"1|ans|{checkin_id}|legpain|99",  # not an option
        f"1|ans|{checkin_id}|fever|hi",  # not the question being asked
        f"1|ans|{int(checkin_id) + 50}|legpain|3",  # somebody else's / no check-in
        "2|ans|1|legpain|3",  # unknown version
        "1|ans|x|y",  # malformed
    ):
        await harness.sandbox.press_button(USER, USER, first["message_id"], forged, force=True)
    await harness.sandbox.wait_for_message(
        USER, lambda m: m.get("text", "").startswith("That question")
    )
    async with harness.running.db.session() as session:
        answers = (await session.scalars(select(CheckInAnswer))).all()
    assert answers == []

    done = await answer_all(harness, first, CALM)
    assert "Thank you" in done["text"]
    await harness.sandbox.press_button(
        USER, USER, first["message_id"], f"1|ans|{checkin_id}|legpain|9", force=True
    )
    async with harness.running.db.session() as session:
        pain = await session.scalar(
            select(CheckInAnswer.answer).where(CheckInAnswer.question == "legpain")
        )
    assert pain == "2"  # a late tap after the check-in finished changes nothing


async def test_typed_text_at_the_last_question_becomes_the_note_and_is_triaged(
    harness: Harness,
) -> None:
    await register(harness, USER, language="ko")
    first = await start_checkin(harness)
    await answer_all(harness, first, CALM, stop_at="note")
    sent = await harness.sandbox.send_text(USER, "소변이 안 나와요")
    await harness.sandbox.wait_for_message(USER, "119", after_message_id=sent["message_id"])
    async with harness.running.db.session() as session:
        checkin = await session.scalar(select(CheckIn))
        note = await session.scalar(
            select(CheckInAnswer.answer).where(CheckInAnswer.question == "note")
        )
    assert note == "소변이 안 나와요"
    assert checkin is not None and checkin.tier == "red"


async def test_no_telegram_call_happens_inside_an_open_unit_of_work_on_the_check_in_path(
    harness: Harness,
) -> None:
    await register(harness, USER, language="en")
    calls = record_bot_api_calls(harness)
    first = await start_checkin(harness)
    half = await answer_all(harness, first, CALM, stop_at="wound")
    again = await harness.sandbox.send_text(USER, "/checkin")  # resumed where it stopped
    resumed = await harness.sandbox.wait_for_message(
        USER, lambda m: "1|ans|" in str(m), after_message_id=again["message_id"]
    )
    assert button(resumed, "1|ans|").split("|")[3] == button(half, "1|ans|").split("|")[3]
    done = await answer_all(harness, resumed, CALM)
    assert "Thank you" in done["text"]

    methods = {method for method, _ in calls}
    assert {"sendMessage", "editMessageText", "answerCallbackQuery"} <= methods
    assert [method for method, inside in calls if inside] == []
