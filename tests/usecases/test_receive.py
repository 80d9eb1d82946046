"""Keep first: the receive use case on its own (no Telegram), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import TimeoutError as NoConnectionFree

from care.domain.clock import FakeClock
from care.storage.db import Database, UnitOfWork
from care.storage.journal import Journal
from care.storage.models import PatientStatus
from care.usecases.receive import Incoming, Outcome, forget_old_updates, receive
from tests.drills.support import counts, database_down, kept_texts
from tests.support.factories import add_patient

CHAT = 7001


def text(update_id: int, message_id: int, words: str, chat: int = CHAT) -> Incoming:
    return Incoming(
        update_id=update_id,
        kind="message",
        chat_id=chat,
        message_id=message_id,
        private=True,
        keep_text=words,
        raw={"update_id": update_id, "message": {"message_id": message_id}},
    )


async def test_a_patients_text_is_kept_once_by_update_id_and_by_message(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    await add_patient(db, "P-RECV01", now=clock.now(), chat_id=CHAT)
    first = await receive(db, journal, text(1, 10, "허리가\x00 아파요"), now=clock.now())
    assert first.outcome == Outcome.STORED and first.inbound_id is not None
    again = await receive(db, journal, text(1, 10, "허리가 아파요"), now=clock.now())
    same_message = await receive(db, journal, text(2, 10, "허리가 아파요"), now=clock.now())
    assert (again.outcome, same_message.outcome) == (Outcome.DUPLICATE, Outcome.DUPLICATE)
    assert await kept_texts(db) == ["허리가 아파요"]
    assert (await counts(db))["updates"] == 1
    assert not journal.pending()


async def test_a_strangers_or_deleted_patients_text_is_recorded_but_not_kept(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    await add_patient(db, "P-RECV02", now=clock.now(), chat_id=CHAT, status=PatientStatus.DELETED)
    for update_id, chat in ((1, CHAT), (2, CHAT + 1)):
        receipt = await receive(db, journal, text(update_id, 5, "hello", chat), now=clock.now())
        assert receipt == receipt.__class__(Outcome.STORED, None)
    assert await kept_texts(db) == []


async def test_ids_telegram_never_sends_are_refused_before_the_database(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    for update in (text(2**63, 1, "x"), text(1, 2**64, "x"), text(-5, 1, "x")):
        assert (await receive(db, journal, update, now=clock.now())).outcome == Outcome.REFUSED
    assert (await counts(db))["updates"] == 0 and not journal.pending()


async def test_with_the_database_down_the_update_goes_to_the_journal(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    async with database_down(db):
        receipt = await receive(db, journal, text(3, 30, "열이 나요"), now=clock.now())
    assert receipt.outcome == Outcome.JOURNALED
    [batch] = journal.take()
    assert list(journal.read(batch)) == [{"update_id": 3, "message": {"message_id": 30}}]
    journal.done(batch)
    assert not journal.pending()


async def test_with_no_pooled_connection_free_the_update_goes_to_the_journal(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLAlchemy's own TimeoutError (the pool had no connection within its timeout) is the
    database out of reach for now, not an update it will never take."""

    def no_connection_free() -> UnitOfWork:
        raise NoConnectionFree("QueuePool limit of size 5 overflow 10 reached")

    monkeypatch.setattr(db, "uow", no_connection_free)
    journal = Journal(tmp_path / "journal.jsonl")
    receipt = await receive(db, journal, text(4, 40, "열이 나요"), now=clock.now())
    assert receipt.outcome == Outcome.JOURNALED and journal.pending()


def test_a_torn_last_line_is_skipped_not_fatal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append({"update_id": 1})
    with journal.path.open("a") as file:
        file.write('{"update_id": 2, "mess')  # the process died mid-write
    [batch] = journal.take()
    assert list(journal.read(batch)) == [{"update_id": 1}]


async def test_the_record_of_updates_is_forgotten_after_a_week_the_texts_stay(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    await add_patient(db, "P-RECV03", now=clock.now(), chat_id=CHAT)
    await receive(db, journal, text(1, 10, "괜찮아요"), now=clock.now())
    clock.advance(timedelta(days=6))
    assert await forget_old_updates(db, now=clock.now()) == 0
    clock.advance(timedelta(days=2))
    assert await forget_old_updates(db, now=clock.now()) == 1
    assert await kept_texts(db) == ["괜찮아요"]
