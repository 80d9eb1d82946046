"""The progress job: one message per broadcast, edited in place, settled once the report shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from care.domain.clock import FakeClock
from care.domain.messaging import Delivery, Keyboard, Outcome, OutgoingMessage
from care.storage import broadcasts
from care.storage.audiences import parse_audience
from care.storage.db import Database
from care.storage.models import MessageState, ScheduledMessage
from tests.coordinator.coordinator_support import add_patient
from tests.support.parts import build_progress

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
CHAT = -1001


class ProgressMessenger:
    """Records sends and edits; answers each with the next scripted outcome (default: sent)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Keyboard]] = []
        self.script: list[Outcome] = []

    def _answer(self) -> Delivery:
        outcome = self.script.pop(0) if self.script else Outcome.SENT
        if outcome == Outcome.SENT:
            return Delivery(Outcome.SENT, message_id=77)
        return Delivery(outcome, retry_after=1, error_code=429)

    async def send(self, message: OutgoingMessage) -> Delivery:
        self.calls.append(("send", message.text, message.keyboard))
        return self._answer()

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = ()
    ) -> Delivery:
        assert (chat_id, message_id) == (CHAT, 77)
        self.calls.append(("edit", text, keyboard))
        return self._answer()


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
    async with db.uow() as uow:
        broadcast = await broadcasts.create(
            uow.session,
            text_ko="공지",
            text_en=None,
            audience=parse_audience("all"),
            actor="cli",
            now=NOW,
            progress_chat_id=CHAT,
        )
        await uow.commit()
    messenger = ProgressMessenger()
    progress = build_progress(db, messenger, clock, min_interval=timedelta(seconds=10))

    assert await progress.run_once() == 1
    assert await progress.run_once() == 0  # nothing new to show
    await settle_all(db, broadcast.id)
    messenger.script = [Outcome.RETRY_LATER]  # the final edit meets a 429: tried again
    await progress.run_once()
    async with db.session() as session:
        assert (await broadcasts.report(session, broadcast.id)).state == broadcasts.SENDING
    await progress.run_once()
    async with db.session() as session:
        assert (await broadcasts.report(session, broadcast.id)).state == broadcasts.DONE
    await progress.run_once()  # done: no more edits

    kinds = [kind for kind, _, _ in messenger.calls]
    assert kinds == ["send", "edit", "edit"]
    first, final = messenger.calls[0], messenger.calls[-1]
    assert "0/2" in first[1] and "|cancel" in first[2][0][0].data
    assert "보냄 2" in final[1] and final[2] == ()
