"""Real-world taps: a double tap, and a tap read after downtime (its query too old to answer)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.storage.models import CheckInAnswer
from tests.e2e.conftest import Harness, button, running_harness
from tests.e2e.flows import register

USER = 9101


async def first_question(harness: Harness) -> dict:  # type: ignore[type-arg]
    sent = await harness.sandbox.send_text(USER, "/checkin")
    return await harness.sandbox.wait_for_message(
        USER, lambda m: "1|ans|" in str(m), after_message_id=sent["message_id"]
    )


async def pain_answers(harness: Harness) -> list[str]:
    async with harness.running.db.session() as session:
        query = select(CheckInAnswer.answer).where(CheckInAnswer.question == "legpain")
        return list((await session.scalars(query)).all())


async def test_a_double_tap_records_once_and_shows_no_error(harness: Harness) -> None:
    await register(harness, USER, language="en")
    question = await first_question(harness)
    checkin_id = button(question, "1|ans|").split("|")[2]
    tap = f"1|ans|{checkin_id}|legpain|4"
    await harness.sandbox.press_button(USER, USER, question["message_id"], tap)
    await harness.sandbox.press_button(USER, USER, question["message_id"], tap, force=True)
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == question["message_id"] and "|backpain|" in str(m)
    )
    # Another command as a sync point: the taps above have been handled by then.
    sent = await harness.sandbox.send_text(USER, "/help")
    await harness.sandbox.wait_for_message(USER, "/checkin", after_message_id=sent["message_id"])
    texts = [m.get("text", "") for m in await harness.sandbox.sent_messages(USER)]
    assert not any("went wrong" in t or "old question" in t for t in texts)
    assert await pain_answers(harness) == ["4"]


@pytest.fixture
async def slow_harness(sqlite_database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """The service against a sandbox where every callback query is already too old to answer."""
    options = {"callback_query_ttl": 0.0}
    async with running_harness(sqlite_database_url, clock, sandbox_options=options) as harness:
        yield harness


async def test_a_tap_read_after_downtime_is_still_acted_on(slow_harness: Harness) -> None:
    await register(slow_harness, USER, language="en")
    question = await first_question(slow_harness)
    checkin_id = button(question, "1|ans|").split("|")[2]
    await slow_harness.sandbox.press_button(
        USER, USER, question["message_id"], f"1|ans|{checkin_id}|legpain|6"
    )
    await slow_harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == question["message_id"] and "|backpain|" in str(m)
    )
    assert await pain_answers(slow_harness) == ["6"]
