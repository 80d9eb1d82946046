"""Noise cannot crowd the group: unanswered unclear messages from one patient make one card;
red and amber still alert one by one, and red goes first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.storage.models import Alert, AlertState
from tests.e2e.conftest import Harness
from tests.e2e.flows import register

USER = 8901
OTHER = 8902
GROUP = -1001
UNCLEAR = ("다리가 이상해요", "뭔가 이상해요", "다리가 좀 이상해요", "뭔가 좀 이상해요")


async def cards(harness: Harness) -> list[dict]:  # type: ignore[type-arg]
    return [m for m in await harness.sandbox.sent_messages(GROUP) if "1|ack|" in str(m)]


async def test_unanswered_unclear_messages_make_one_card_and_red_still_alerts(
    harness: Harness,
) -> None:
    await register(harness, USER)
    await register(harness, OTHER)
    await harness.sandbox.ensure_group(GROUP, "nurses", members=[9001])
    for text in UNCLEAR:
        sent = await harness.sandbox.send_text(USER, text)
        await harness.sandbox.wait_for_message(
            USER, lambda m: "1|ftc|" in str(m), after_message_id=sent["message_id"]
        )
    harness.clock.advance(timedelta(minutes=11))
    await harness.running.scheduler.escalate()
    assert len(await cards(harness)) == 1  # not four

    sent = await harness.sandbox.send_text(OTHER, "어제부터 소변이 안 나와요")  # a stated red sign
    advice = await harness.sandbox.wait_for_message(
        OTHER, "119", after_message_id=sent["message_id"]
    )
    assert "reply_markup" not in advice  # its advice at once, nothing asked
    first = {m["message_id"] for m in await cards(harness)}
    await harness.sandbox.wait_for_message(  # posted at once, before any escalation run
        GROUP, lambda m: "1|ack|" in str(m) and m["message_id"] not in first
    )
    for text in UNCLEAR[:2]:  # more noise after the first card went out
        sent = await harness.sandbox.send_text(USER, text)
        await harness.sandbox.wait_for_message(
            USER, lambda m: "1|ftc|" in str(m), after_message_id=sent["message_id"]
        )
    harness.clock.advance(timedelta(minutes=11))
    await harness.running.scheduler.escalate()
    posted = await cards(harness)
    assert len(posted) == 2  # the red one; the noise joined the patient's open card
    async with harness.running.db.session() as session:
        alerts = (await session.scalars(select(Alert).order_by(Alert.id))).all()
    opened = [a for a in alerts if a.state == AlertState.OPEN]
    assert sorted(a.severity for a in opened) == ["amber", "red"]
    merged = [a for a in alerts if any(r.startswith("merged_into:") for r in a.reasons)]
    assert len(merged) == 5  # kept on record, each pointing at the card that holds it
