"""Posture reminders' "done" and "later" buttons, and someone else's reminder id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from care.storage.models import AuditEntry, MessageState, ScheduledMessage
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import patient_row, register

USER = 8701


async def first_posture_reminder(harness: Harness) -> tuple[ScheduledMessage, dict[str, Any]]:
    code = await register(harness, USER)
    patient = await patient_row(harness, code)
    async with harness.running.db.session() as session:
        row = await session.scalar(
            select(ScheduledMessage)
            .where(ScheduledMessage.patient_id == patient.id, ScheduledMessage.kind == "posture")
            .order_by(ScheduledMessage.due_at)
            .limit(1)
        )
    assert row is not None
    harness.clock.set(row.due_at + timedelta(seconds=1))
    await harness.running.scheduler.tick()
    sent = await harness.sandbox.wait_for_message(USER, lambda m: "1|pdone|" in str(m))
    return row, sent


async def test_done_is_recorded_and_the_buttons_go_away(harness: Harness) -> None:
    _row, sent = await first_posture_reminder(harness)
    await harness.sandbox.press_button(USER, USER, sent["message_id"], button(sent, "1|pdone|"))
    edited = await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == sent["message_id"] and "잘하셨어요" in m["text"]
    )
    assert "reply_markup" not in edited or not edited["reply_markup"]
    async with harness.running.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "posture.done" in actions


async def test_later_brings_the_same_advice_back_in_an_hour(harness: Harness) -> None:
    row, sent = await first_posture_reminder(harness)
    await harness.sandbox.press_button(USER, USER, sent["message_id"], button(sent, "1|plater|"))
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == sent["message_id"] and "한 시간" in m["text"]
    )
    async with harness.running.db.session() as session:
        again = await session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.dedupe_key == f"{row.dedupe_key}:later")
        )
    assert again is not None
    assert again.payload_key == row.payload_key and again.state == MessageState.PENDING
    assert again.due_at == harness.clock.now() + timedelta(hours=1)


async def test_a_reminder_id_of_another_kind_or_patient_changes_nothing(harness: Harness) -> None:
    row, sent = await first_posture_reminder(harness)
    await harness.sandbox.press_button(
        USER, USER, sent["message_id"], f"1|plater|{row.id + 100000}", force=True
    )
    await harness.sandbox.wait_for_message(USER, "지난 질문")
    async with harness.running.db.session() as session:
        later = (
            await session.scalars(
                select(ScheduledMessage).where(ScheduledMessage.dedupe_key.like("%:later"))
            )
        ).all()
    assert later == []
