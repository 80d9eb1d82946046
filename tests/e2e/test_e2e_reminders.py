"""A registered patient receives the plan's messages through the real bot, on the clock's time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.storage.models import MessageState, ScheduledMessage
from tests.e2e.conftest import Harness
from tests.e2e.flows import patient_row, register

USER = 7301


async def test_due_messages_reach_the_patient_and_are_recorded_as_sent(harness: Harness) -> None:
    code = await register(harness, USER)
    patient = await patient_row(harness, code)
    async with harness.running.db.session() as session:
        first = await session.scalar(
            select(ScheduledMessage)
            .where(ScheduledMessage.patient_id == patient.id)
            .order_by(ScheduledMessage.due_at)
            .limit(1)
        )
    assert first is not None
    before = len(await harness.sandbox.sent_messages(USER))

    harness.clock.set(first.due_at + timedelta(seconds=1))
    result = await harness.running.scheduler.tick()
    assert result.dispatched.sent >= 1

    sent = await harness.sandbox.sent_messages(USER)
    assert len(sent) > before
    async with harness.running.db.session() as session:
        row = await session.get_one(ScheduledMessage, first.id)
    assert row.state == MessageState.SENT
    assert row.telegram_message_id == sent[before]["message_id"]


async def test_a_paused_patient_gets_nothing_until_resumed(harness: Harness) -> None:
    code = await register(harness, USER)
    asked = await harness.sandbox.send_text(USER, "/pause 2")
    await harness.sandbox.wait_for_message(USER, "쉬어요", after_message_id=asked["message_id"])
    before = len(await harness.sandbox.sent_messages(USER))

    harness.clock.advance(timedelta(hours=30))
    await harness.running.scheduler.tick()
    assert len(await harness.sandbox.sent_messages(USER)) == before

    asked = await harness.sandbox.send_text(USER, "/resume")
    await harness.sandbox.wait_for_message(USER, "다시", after_message_id=asked["message_id"])
    patient = await patient_row(harness, code)
    assert patient.status.value == "active"
    async with harness.running.db.session() as session:
        pending = (
            await session.scalars(
                select(ScheduledMessage).where(
                    ScheduledMessage.patient_id == patient.id,
                    ScheduledMessage.state == MessageState.PENDING,
                )
            )
        ).all()
    assert pending and min(row.due_at for row in pending) >= harness.clock.now()


async def test_a_bad_pause_gets_a_clear_answer_and_changes_nothing(harness: Harness) -> None:
    code = await register(harness, USER)
    for wrong in ("/pause abc", "/pause 0", "/pause 99"):
        asked = await harness.sandbox.send_text(USER, wrong)
        await harness.sandbox.wait_for_message(
            USER, "1에서 30", after_message_id=asked["message_id"]
        )
    patient = await patient_row(harness, code)
    assert patient.status.value == "active" and patient.paused_until is None
