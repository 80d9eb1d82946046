"""A check-in note is kept whole, as every other text is (it was cut at 4,000 characters)."""

from __future__ import annotations

from sqlalchemy import select

from care.storage.models import CheckInAnswer, InboundMessage
from tests.e2e.conftest import Harness
from tests.e2e.flows import register
from tests.e2e.test_e2e_checkin import CALM, USER, answer_all, start_checkin


async def test_a_long_note_with_a_nul_is_kept_whole(harness: Harness) -> None:
    await register(harness, USER)
    first = await start_checkin(harness)
    await answer_all(harness, first, CALM, stop_at="note")
    note = ("수술 뒤 지낸 이야기. " * 400)[:4095] + "\x00"
    sent = await harness.sandbox.send_text(USER, note)
    await harness.sandbox.wait_for_message(
        USER, lambda m: True, after_message_id=sent["message_id"]
    )
    async with harness.running.db.session() as session:
        kept = await session.scalar(
            select(CheckInAnswer.answer).where(CheckInAnswer.question == "note")
        )
        inbound = (await session.scalars(select(InboundMessage.text))).all()
    assert kept == note[:-1] and len(kept) == 4095
    assert list(inbound) == [note[:-1]]  # and kept on arrival, like every text
