"""The database goes down while patients write: every text is kept in the local journal,
each patient hears "received", and when the database is back every text is stored exactly
once and read, a warning sign included."""

from __future__ import annotations

from sqlalchemy import select

from bot.intake import replay_journal
from bot.services import BotServices
from care.storage.models import Alert, AlertState
from tests.drills.support import database_down, kept_texts
from tests.e2e.conftest import Harness
from tests.e2e.flows import register

USER = 8701
TEXTS = [f"오늘 허리 상태 메모 {n}번: 괜찮아요" for n in range(11)] + ["어제부터 소변이 안 나와요"]


async def test_texts_sent_while_the_database_is_down_are_kept_once_and_read_later(
    harness: Harness,
) -> None:
    await register(harness, USER)
    services: BotServices = harness.running.application.bot_data["services"]
    async with database_down(harness.running.db):
        for text in TEXTS:
            sent = await harness.sandbox.send_text(USER, text)
            told = await harness.sandbox.wait_for_message(
                USER, "잠시 뒤에", after_message_id=sent["message_id"]
            )
            assert "119" in told["text"]  # the way to help while nothing reads the text
        assert len(services.journal.path.read_text().splitlines()) == len(TEXTS)
        assert await replay_journal(harness.running.application) == 0  # still down: it waits
    assert set(TEXTS).isdisjoint(await kept_texts(harness.running.db))

    assert await replay_journal(harness.running.application) == len(TEXTS)
    assert await replay_journal(harness.running.application) == 0  # nothing twice

    kept = await kept_texts(harness.running.db)
    assert sorted(t for t in kept if t in TEXTS) == sorted(TEXTS)  # all of them, exactly once
    assert not services.journal.pending()
    async with harness.running.db.session() as session:
        [alert] = (await session.scalars(select(Alert))).all()
    assert alert.severity == "red"  # the sign sent during the outage was read after it
    assert alert.state == AlertState.OPEN  # a stated sign: open at once, nothing asked
    advice = await harness.sandbox.wait_for_message(USER, "응급실")
    assert "바로 알렸어요" in advice["text"] and "reply_markup" not in advice


async def test_a_journal_replayed_twice_after_a_crash_keeps_each_text_once(
    harness: Harness,
) -> None:
    """A crash after the replay stored some updates but before the batch was deleted."""
    await register(harness, USER)
    services: BotServices = harness.running.application.bot_data["services"]
    async with database_down(harness.running.db):
        for text in TEXTS[:3]:
            sent = await harness.sandbox.send_text(USER, text)
            await harness.sandbox.wait_for_message(
                USER, "잠시 뒤에", after_message_id=sent["message_id"]
            )
    lines = services.journal.path.read_text()
    assert await replay_journal(harness.running.application) == 3
    services.journal.path.write_text(lines)  # the same batch again, as a crash leaves it
    assert await replay_journal(harness.running.application) == 3
    kept = await kept_texts(harness.running.db)
    assert sorted(t for t in kept if t in TEXTS) == sorted(TEXTS[:3])
