"""Alerts in the coordinators' chat: posted, re-sent until acknowledged, refused to others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from care.storage.models import Alert, AlertState, AuditEntry
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register

PATIENT = 8501
NURSE = 9001  # listed in SPINECARE_COORDINATOR_IDS by the harness
STRANGER = 9999
COORDINATORS = -1001


async def raise_red_alert(harness: Harness) -> dict[str, Any]:
    """A patient reports a red sign; the alert is posted to the coordinators at once."""
    await register(harness, PATIENT, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE, STRANGER])
    sent = await harness.sandbox.send_text(PATIENT, "my leg gave way and my foot drags")
    reply = await harness.sandbox.wait_for_message(
        PATIENT, "emergency", after_message_id=sent["message_id"]
    )
    assert reply["text"].startswith("Call 119 now")
    await harness.running.scheduler.escalate()
    return await harness.sandbox.wait_for_message(COORDINATORS, lambda m: "1|ack|" in str(m))


async def the_alert(harness: Harness) -> Alert:
    """The alert raised from what the patient wrote (blocking the bot raises one of its own)."""
    async with harness.running.db.session() as session:
        alert = await session.scalar(select(Alert).where(Alert.source == "free_text"))
    assert alert is not None
    return alert


async def test_an_unacknowledged_red_alert_is_sent_again_after_fifteen_minutes(
    harness: Harness,
) -> None:
    posted = await raise_red_alert(harness)
    harness.clock.advance(timedelta(minutes=14))
    await harness.running.scheduler.escalate()
    again = [m for m in await harness.sandbox.sent_messages(COORDINATORS) if "1|ack|" in str(m)]
    assert len(again) == 1

    harness.clock.advance(timedelta(minutes=2))
    await harness.running.scheduler.escalate()
    again = [m for m in await harness.sandbox.sent_messages(COORDINATORS) if "1|ack|" in str(m)]
    assert len(again) == 2
    assert again[1]["message_id"] != posted["message_id"]


async def test_acknowledging_records_who_and_when_and_stops_re_escalation(
    harness: Harness,
) -> None:
    posted = await raise_red_alert(harness)
    await harness.sandbox.press_button(
        NURSE, COORDINATORS, posted["message_id"], button(posted, "1|ack|")
    )
    await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: m["message_id"] == posted["message_id"] and "✔" in m["text"]
    )
    alert = await the_alert(harness)
    assert alert.state == AlertState.ACKNOWLEDGED
    assert alert.acknowledged_by == NURSE
    assert alert.acknowledged_at == harness.clock.now()
    told = await harness.sandbox.wait_for_message(PATIENT, "has seen")
    assert "call 119" in told["text"]  # meanwhile, if worse: the emergency number

    harness.clock.advance(timedelta(hours=1))
    await harness.running.scheduler.escalate()
    posts = [m for m in await harness.sandbox.sent_messages(COORDINATORS) if "1|ack|" in str(m)]
    assert len(posts) == 1


async def test_someone_who_is_not_a_coordinator_cannot_acknowledge(harness: Harness) -> None:
    posted = await raise_red_alert(harness)
    pressed = await harness.sandbox.press_button(
        STRANGER, COORDINATORS, posted["message_id"], button(posted, "1|ack|")
    )
    popup = await harness.sandbox.wait_for_callback_answer(pressed)
    assert "담당 의료진" in popup["text"] and popup["show_alert"]  # seen by the presser only
    assert not any(
        "담당 의료진" in m["text"] for m in await harness.sandbox.sent_messages(COORDINATORS)
    )
    alert = await the_alert(harness)
    assert alert.state == AlertState.OPEN and alert.acknowledged_by is None
    async with harness.running.db.session() as session:
        refused = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "coordinator.refused")
            )
        ).all()
    assert [entry.actor for entry in refused] == [f"telegram:{STRANGER}"]


async def test_a_forged_acknowledgement_for_a_missing_alert_changes_nothing(
    harness: Harness,
) -> None:
    posted = await raise_red_alert(harness)
    await harness.sandbox.press_button(
        NURSE, COORDINATORS, posted["message_id"], "1|ack|424242", force=True
    )
    await harness.sandbox.press_button(
        NURSE, COORDINATORS, posted["message_id"], "1|ack|x';drop", force=True
    )
    assert (await the_alert(harness)).state == AlertState.OPEN


async def test_acknowledging_still_works_when_the_patient_blocked_the_bot(
    harness: Harness,
) -> None:
    posted = await raise_red_alert(harness)
    await harness.sandbox.block(PATIENT)
    await harness.sandbox.press_button(
        NURSE, COORDINATORS, posted["message_id"], button(posted, "1|ack|")
    )
    await harness.sandbox.wait_for_message(
        COORDINATORS, lambda m: m["message_id"] == posted["message_id"] and "✔" in m["text"]
    )
    alert = await the_alert(harness)
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == NURSE
    # A later refusal in the same chat: by then the handler above has finished its work.
    pressed = await harness.sandbox.press_button(
        STRANGER, COORDINATORS, posted["message_id"], button(posted, "1|called|")
    )
    assert "담당 의료진" in (await harness.sandbox.wait_for_callback_answer(pressed))["text"]
    texts = [m.get("text", "") for m in await harness.sandbox.sent_messages(COORDINATORS)]
    assert not any("오류 번호" in text for text in texts)  # no "something went wrong" for nurses
