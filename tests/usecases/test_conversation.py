"""The inbox use cases the bot and the CLI share: pages, seen, handled, refused replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from care.domain import office_hours
from care.domain.clock import FakeClock
from care.storage import conversation
from care.storage.db import Database
from care.storage.models import AuditEntry, ConversationItem, Patient, PatientStatus
from care.usecases import conversation as usecases
from tests.support.factories import add_patient

GROUP = -1001


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


async def a_note(db: Database, clock: FakeClock, patient_id: int, text: str) -> None:
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        conversation.record_note(
            uow.session,
            patient=patient,
            checkin_id=None,
            text=text,
            tier="green",
            chat_message_id=None,
            now=clock.now(),
        )
        await uow.commit()


async def test_a_card_is_claimed_then_recorded_and_a_reply_to_it_reaches_its_patient(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-INB004", now=clock.now(), chat_id=704)
    await a_note(db, clock, patient_id, "다리가 저려요")

    [job] = await usecases.claim_cards(db, clock, lease=timedelta(minutes=1), batch=10)
    assert (job.patient_code, job.patient_chat_id, job.text) == ("P-INB004", 704, "다리가 저려요")
    assert await usecases.claim_cards(db, clock, lease=timedelta(minutes=1), batch=10) == []
    posted = usecases.PostResult(posted=True, chat_id=GROUP, message_ids=(55, 56))
    await usecases.record_posted(db, clock, job, posted, realert=timedelta(minutes=15))

    replied = await usecases.reply_to_card(
        db, clock, chat_id=GROUP, message_id=56, text=" 괜찮으세요? ", actor="coordinator:1"
    )
    assert replied.queued and replied.patient_code == "P-INB004"
    unknown = await usecases.reply_to_card(
        db, clock, chat_id=GROUP, message_id=999, text="hi", actor="coordinator:1"
    )
    assert unknown.status == usecases.ReplyStatus.UNKNOWN_CARD
    async with db.session() as session:
        note = await session.get_one(ConversationItem, job.item_id)
        reply = await session.scalar(
            select(ConversationItem).where(ConversationItem.direction == conversation.OUT)
        )
    assert reply is not None and replied.item_id == reply.id  # the queued reply's own item
    assert (note.post_state, note.seen_by) == (conversation.POSTED, "coordinator:1")
    assert (reply.direction, reply.text, reply.post_state) == (
        conversation.OUT,
        "괜찮으세요?",
        conversation.PENDING,  # the card poster delivers it, after this commit
    )


async def test_a_reply_that_cannot_be_delivered_marks_the_patient_unreachable(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-INB005", now=clock.now(), chat_id=705)
    queued = await usecases.reply_to_patient(db, clock, code="P-INB005", text="hi", actor="cli")
    assert queued.queued

    [job] = await usecases.claim_cards(db, clock, lease=timedelta(minutes=1), batch=10)
    blocked = usecases.PostResult(posted=False, blocked=True, error="Forbidden")
    await usecases.record_posted(db, clock, job, blocked, realert=timedelta(minutes=15))

    async with db.session() as session:
        item = await session.get_one(ConversationItem, job.item_id)
        patient = await session.get_one(Patient, patient_id)
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert (item.post_state, item.post_error) == (conversation.FAILED, "Forbidden")
    assert patient.status == PatientStatus.UNREACHABLE
    assert "conversation.reply_failed" in actions


async def test_the_morning_digest_is_taken_once_a_day_in_office_hours(
    db: Database, clock: FakeClock
) -> None:
    hours = office_hours.parse("mon-fri 09:00-18:00")
    clock.set(datetime(2026, 11, 30, 22, 0, tzinfo=UTC))  # Tuesday 07:00 in Seoul
    patient_id = await add_patient(db, "P-INB006", now=clock.now(), chat_id=706)
    await a_note(db, clock, patient_id, "밤새 아팠어요")

    assert await usecases.take_digest(db, clock, hours) is None  # the office is closed
    clock.advance(timedelta(hours=2, minutes=30))  # 09:30
    digest = await usecases.take_digest(db, clock, hours)
    assert digest is not None and digest.total == 1
    assert [entry.item.text for entry in digest.entries] == ["밤새 아팠어요"]
    assert await usecases.take_digest(db, clock, hours) is None  # once a day
    clock.advance(timedelta(days=1))
    assert (await usecases.take_digest(db, clock, hours)) is not None  # still unhandled
