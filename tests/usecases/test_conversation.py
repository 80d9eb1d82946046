"""The inbox use cases the bot and the CLI share: pages, seen, handled, refused replies."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.domain.clock import FakeClock
from care.storage import conversation
from care.storage.db import Database
from care.storage.models import AuditEntry, Patient, PatientStatus
from care.usecases import conversation as usecases
from tests.support.factories import add_patient


async def test_the_inbox_pages_oldest_first_and_marks_what_it_shows_seen(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-INB001", now=clock.now(), chat_id=701)
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        for number in range(5):
            conversation.record_note(
                uow.session,
                patient=patient,
                checkin_id=None,
                text=f"note {number}",
                tier="green",
                chat_message_id=number,
                now=clock.now() + timedelta(minutes=number),
            )
        await uow.commit()

    first = await usecases.inbox(db, clock, actor="coordinator:1", page=0, size=2)
    assert (first.total, first.pages) == (5, 3)
    assert [e.item.text for e in first.entries] == ["note 0", "note 1"]
    last = await usecases.inbox(db, clock, actor="coordinator:1", page=9, size=2)
    assert last.page == 2 and [e.item.text for e in last.entries] == ["note 4"]

    handled = await usecases.handle(db, clock, item_id=first.entries[0].item.id, actor="cli")
    assert handled is not None and handled.handled_by == "cli"
    assert handled.seen_by == "coordinator:1"  # seen when it was listed, by whom
    assert (await usecases.inbox(db, clock, actor="cli", size=10)).total == 4
    everything = await usecases.inbox(db, clock, actor="cli", size=10, include_handled=True)
    assert everything.total == 5
    assert await usecases.handle(db, clock, item_id=10_000, actor="cli") is None


async def test_replies_to_a_patient_who_cannot_receive_them_are_refused_and_audited(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-INB002", now=clock.now(), chat_id=702, status=PatientStatus.STOPPED)
    await add_patient(db, "P-INB003", now=clock.now(), chat_id=703)
    refused = await usecases.reply_to_patient(db, clock, code="P-INB002", text="hi", actor="cli")
    assert refused.status == usecases.ReplyStatus.STOPPED
    empty = await usecases.reply_to_patient(db, clock, code="P-INB003", text="  ", actor="cli")
    assert empty.status == usecases.ReplyStatus.EMPTY
    unknown = await usecases.reply_to_patient(db, clock, code="P-NONE01", text="hi", actor="cli")
    assert unknown.status == usecases.ReplyStatus.UNKNOWN_PATIENT
    long = await usecases.reply_to_patient(
        db, clock, code="P-INB003", text="가" * 4001, actor="cli"
    )
    assert long.status == usecases.ReplyStatus.TOO_LONG
    async with db.session() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
        queued = await conversation.entries(session, include_handled=True)
    assert actions.count("conversation.reply_refused") == 3 and queued == []
