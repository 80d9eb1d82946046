"""The progress job: one message per broadcast, edited in place, settled once the report shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from care.domain.clock import FakeClock
from care.domain.messaging import Delivery, Outcome
from care.storage import broadcasts
from care.storage.db import Database
from care.storage.models import MessageState, ScheduledMessage
from tests.support.factories import add_broadcast, add_patient
from tests.support.fakes import RecordingMessenger
from tests.support.parts import build_progress

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
CHAT = -1001


async def settle_all(db: Database, broadcast_id: int) -> None:
    async with db.uow() as uow:
        await uow.session.execute(
            update(ScheduledMessage)
            .where(ScheduledMessage.broadcast_id == broadcast_id)
            .values(state=MessageState.SENT)
        )
        await uow.commit()


async def test_progress_is_posted_once_then_edited_until_the_final_report(
    db: Database, clock: FakeClock
) -> None:
    clock.set(NOW)
    for n in range(2):
        await add_patient(db, f"P-PROG{n}", now=NOW, chat_id=300 + n)
    broadcast = await add_broadcast(db, now=NOW, progress_chat_id=CHAT)
    messenger = RecordingMessenger()
    progress = build_progress(db, messenger, clock, min_interval=timedelta(seconds=10))

    assert await progress.run_once() == 1
    assert await progress.run_once() == 0  # nothing new to show
    await settle_all(db, broadcast.id)
    # the final edit meets a 429: tried again
    messenger.answers = [Delivery(Outcome.RETRY_LATER, retry_after=1, error_code=429)]
    await progress.run_once()
    async with db.session() as session:
        assert (await broadcasts.report(session, broadcast.id)).state == broadcasts.SENDING
    await progress.run_once()
    async with db.session() as session:
        assert (await broadcasts.report(session, broadcast.id)).state == broadcasts.DONE
    await progress.run_once()  # done: no more edits

    assert messenger.calls == ["send", "edit", "edit"]
    [first], [final] = messenger.sent, messenger.edits
    assert (final.chat_id, final.message_id) == (CHAT, 1)  # the progress message, edited
    assert "0/2" in first.text and "|cancel" in first.keyboard[0][0].data
    assert "보냄 2" in final.text and final.keyboard == ()
