"""/broadcast from Telegram: compose, audience, preview and count, confirm, progress, report."""

from __future__ import annotations

from sqlalchemy import select

from care.domain.plan import Approach
from care.storage.models import Broadcast
from tests.coordinator.console_flows import COORDINATORS, NURSE, buttons, nurse, say
from tests.e2e.conftest import Harness
from tests.support.factories import add_patient
from tests.support.queries import states
from tests.support.telegram import record_bot_api_calls

KOREAN = "다음 주 월요일 외래는 오후에만 진료합니다."
ENGLISH = "Next Monday the clinic opens in the afternoon only."


async def two_patients(harness: Harness) -> None:
    now = harness.clock.now()
    await add_patient(harness.running.db, "P-KOREA1", now=now, chat_id=8101)
    await add_patient(
        harness.running.db,
        "P-ENGL1",
        now=now,
        chat_id=8102,
        language="en",
        approach=Approach.INTERLAMINAR,
    )
    await add_patient(harness.running.db, "P-ENGL2", now=now, chat_id=8103, language="en")
    for chat in (8101, 8102, 8103):
        await harness.sandbox.ensure_user(chat, "Patient")


async def test_a_coordinator_composes_previews_confirms_and_sees_the_report(
    harness: Harness,
) -> None:
    await nurse(harness)
    await two_patients(harness)
    await say(harness, NURSE, "/broadcast", "공지")
    await say(harness, NURSE, KOREAN, "영어")
    await say(harness, NURSE, ENGLISH, "누구에게")
    preview = await say(harness, NURSE, "approach:transforaminal", "미리보기")
    assert "2명" in preview["text"]
    assert KOREAN in preview["text"] and ENGLISH in preview["text"]
    send = next(data for data in buttons(preview) if data.endswith("|send"))

    await harness.sandbox.press_button(NURSE, NURSE, preview["message_id"], send)
    await harness.sandbox.wait_for_message(
        NURSE, lambda m: m["message_id"] == preview["message_id"] and "보내는 중" in m["text"]
    )
    await harness.running.scheduler.tick()

    assert [m["text"] for m in await harness.sandbox.sent_messages(8101)] == [KOREAN]
    assert [m["text"] for m in await harness.sandbox.sent_messages(8103)] == [ENGLISH]
    assert await harness.sandbox.sent_messages(8102) == []  # interlaminar: not in the audience
    report = await harness.sandbox.wait_for_message(
        NURSE, lambda m: m["message_id"] == preview["message_id"] and "끝" in m["text"]
    )
    assert "보냄 2" in report["text"] and "차단 0" in report["text"]
    assert buttons(report) == []


async def test_a_broadcast_in_the_coordinators_group_is_stopped_while_it_runs(
    harness: Harness,
) -> None:
    """In the group (privacy mode) the answers are replies to the bot's questions."""
    await two_patients(harness)
    asked = await say(harness, NURSE, "/broadcast", "공지", chat=COORDINATORS)
    asked = await say(harness, NURSE, KOREAN, "영어", chat=COORDINATORS, reply_to=asked)
    asked = await say(harness, NURSE, "/skip", "누구에게", chat=COORDINATORS, reply_to=asked)
    preview = await say(harness, NURSE, "all", "3명", chat=COORDINATORS, reply_to=asked)
    send = next(data for data in buttons(preview) if data.endswith("|send"))
    await harness.sandbox.press_button(NURSE, COORDINATORS, preview["message_id"], send)
    running = await harness.sandbox.wait_for_message(
        COORDINATORS,
        lambda m: m["message_id"] == preview["message_id"] and "보내는 중" in m["text"],
    )
    stop = next(data for data in buttons(running) if data.endswith("|cancel"))

    await harness.sandbox.press_button(NURSE, COORDINATORS, running["message_id"], stop)
    await harness.sandbox.wait_for_message(COORDINATORS, "3건을 보내지 않아요")
    await harness.running.scheduler.tick()

    for chat in (8101, 8102, 8103):
        assert await harness.sandbox.sent_messages(chat) == []
    async with harness.running.db.session() as session:
        broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None and broadcast.state == "cancelled"
    assert await states(harness.running.db, broadcast.id) == {"cancelled": 3}
    await harness.sandbox.wait_for_message(
        COORDINATORS,
        lambda m: m["message_id"] == preview["message_id"] and "중지됨" in m["text"],
    )


async def test_cancel_is_always_a_way_out_of_composing(harness: Harness) -> None:
    await nurse(harness)
    await two_patients(harness)
    await say(harness, NURSE, "/broadcast", "공지")
    await say(harness, NURSE, KOREAN, "영어")
    await say(harness, NURSE, "/cancel", "그만뒀어요")
    await say(harness, NURSE, "all", "등록되지 않은")  # plain text again, not an audience
    async with harness.running.db.session() as session:
        assert (await session.scalars(select(Broadcast))).all() == []


async def test_an_audience_nobody_matches_is_asked_again(harness: Harness) -> None:
    await nurse(harness)
    await two_patients(harness)
    await say(harness, NURSE, "/broadcast", "공지")
    await say(harness, NURSE, KOREAN, "영어")
    await say(harness, NURSE, "/skip", "누구에게")
    await say(harness, NURSE, "week:9", "해당하는 활성 환자가 없어요")
    await say(harness, NURSE, "everyone", "대상을 알 수 없어요")
    preview = await say(harness, NURSE, "language:en", "미리보기")
    assert "2명" in preview["text"]


async def test_an_english_speaking_coordinator_is_answered_in_english(harness: Harness) -> None:
    await nurse(harness, language="en")
    await two_patients(harness)
    await say(harness, NURSE, "/broadcast", "Type the notice")
    await say(harness, NURSE, ENGLISH, "Korean version")
    await say(harness, NURSE, KOREAN, "Who should get it")
    preview = await say(harness, NURSE, "language:ko", "Preview")
    assert "1 patients" in preview["text"]
    data = next(data for data in buttons(preview) if data.endswith("|send"))
    await harness.sandbox.press_button(NURSE, NURSE, preview["message_id"], data)
    await harness.sandbox.wait_for_message(NURSE, "sending to 1")
    await harness.running.scheduler.tick()
    assert [m["text"] for m in await harness.sandbox.sent_messages(8101)] == [KOREAN]


async def test_no_telegram_call_happens_inside_an_open_unit_of_work_on_the_broadcast_path(
    harness: Harness,
) -> None:
    await nurse(harness)
    await two_patients(harness)
    calls = record_bot_api_calls(harness)
    await say(harness, NURSE, "/broadcast", "공지")
    await say(harness, NURSE, KOREAN, "영어")
    await say(harness, NURSE, "/skip", "누구에게")
    await say(harness, NURSE, "patient:P-NOBODY", "P-NOBODY")  # refused, asked again
    await say(harness, NURSE, "approach:biportal", "biportal")  # nobody: asked again
    preview = await say(harness, NURSE, "all", "미리보기")
    send = next(data for data in buttons(preview) if data.endswith("|send"))
    await harness.sandbox.press_button(NURSE, NURSE, preview["message_id"], send)
    running = await harness.sandbox.wait_for_message(
        NURSE, lambda m: m["message_id"] == preview["message_id"] and "보내는 중" in m["text"]
    )
    stop = next(data for data in buttons(running) if data.endswith("|cancel"))
    await harness.sandbox.press_button(NURSE, NURSE, running["message_id"], stop)
    await harness.sandbox.wait_for_message(NURSE, "3건을 보내지 않아요")

    methods = {method for method, _ in calls}
    assert {"sendMessage", "editMessageText", "answerCallbackQuery"} <= methods
    assert [method for method, inside in calls if inside] == []
