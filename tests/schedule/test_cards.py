"""Cards in the coordinators' group: whole words, claim-send-record, retries, no message lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from care.domain.callbacks import decode
from care.domain.clock import FakeClock
from care.domain.messaging import Delivery, Outcome
from care.storage import conversation, inbox
from care.storage.db import Database
from care.storage.models import ConversationItem, Patient, PatientStatus
from care.usecases.conversation import reply_to_patient
from messages.catalog import load_catalog
from scheduler.cards import CardPoster
from tests.support.factories import add_patient
from tests.support.fakes import RecordingMessenger, Script

GROUP = -1001


class CardMessenger(RecordingMessenger):
    """Records sends and copies (copyMessage) alike."""

    def __init__(self, script: Script | None = None) -> None:
        super().__init__(script)
        self.copies: list[tuple[int, int, int, int | None]] = []

    async def copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        silent: bool = False,
        reply_to: int | None = None,
    ) -> Delivery:
        self.note_call()
        self.copies.append((chat_id, from_chat_id, message_id, reply_to))
        self._next_id += 1
        return Delivery(Outcome.SENT, message_id=self._next_id)


def poster(db: Database, messenger: CardMessenger, clock: FakeClock) -> CardPoster:
    return CardPoster(db, messenger, clock, coordinator_chat_id=GROUP, catalog=load_catalog())


async def said(db: Database, patient_id: int, text: str, now: datetime, **kind: str) -> int:
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        stored = inbox.keep(
            uow.session,
            patient=patient,
            chat_id=patient.chat_id or 0,
            telegram_message_id=77,
            text=text,
            now=now,
        )
        await uow.session.flush()
        item = await conversation.record_message(
            uow.session, patient=patient, inbound=stored, tier="green", now=now, **kind
        )
        await uow.commit()
        return item.id


async def item(db: Database, item_id: int) -> ConversationItem:
    async with db.session() as session:
        return await session.get_one(ConversationItem, item_id)


async def test_a_long_message_is_split_over_several_messages_and_never_cut(
    db: Database, clock: FakeClock
) -> None:
    patient = await add_patient(db, "P-CARD01", now=clock.now(), chat_id=501)
    words = " ".join(f"word{n}" for n in range(1_800))  # about 15,000 characters
    await said(db, patient, words, clock.now())
    messenger = CardMessenger()

    assert await poster(db, messenger, clock).run_once() == 1

    pieces = messenger.to(GROUP)
    assert len(pieces) >= 4 and all(len(p.text) <= 4096 for p in pieces)
    joined = "".join(p.text for p in pieces)
    assert words in joined  # every character of the patient's words, in order
    assert all(p.silent for p in pieces)  # green: posted without a sound
    assert [bool(p.keyboard) for p in pieces] == [False] * (len(pieces) - 1) + [True]
    assert decode(pieces[-1].keyboard[0][0].data).action == "hdl"
    assert {p.reply_to for p in pieces[1:]} == {1}  # the rest answer the first


async def test_a_failed_post_is_tried_again_and_a_photo_is_copied_under_its_card(
    db: Database, clock: FakeClock
) -> None:
    patient = await add_patient(db, "P-CARD02", now=clock.now(), chat_id=502)
    item_id = await said(
        db, patient, "[photo] wound", clock.now(), attachment="photo", file_id="AgACfile"
    )
    down = CardMessenger(lambda m: Delivery(Outcome.TRANSIENT, detail="502 Bad Gateway"))
    assert await poster(db, down, clock).run_once() == 0
    assert (await item(db, item_id)).post_state == "pending"

    messenger = CardMessenger()
    assert await poster(db, messenger, clock).run_once() == 1
    posted = await item(db, item_id)
    assert posted.post_state == "posted" and posted.file_id == "AgACfile"
    assert messenger.copies == [(GROUP, 502, 77, 1)]  # the patient's message, under the card


async def test_a_message_stored_without_its_item_gets_one_and_its_card(
    db: Database, clock: FakeClock
) -> None:
    """A crash between storing a message and reading it: the sweep still posts it."""
    patient_id = await add_patient(db, "P-CARD03", now=clock.now(), chat_id=503)
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        inbox.keep(
            uow.session,
            patient=patient,
            chat_id=503,
            telegram_message_id=5,
            text="아무도 못 본 메시지",
            now=clock.now(),
        )
        await uow.commit()
    messenger = CardMessenger()
    assert await poster(db, messenger, clock).run_once() == 0  # too fresh: the reader has it
    clock.advance(timedelta(minutes=1))
    assert await poster(db, messenger, clock).run_once() == 1
    assert "아무도 못 본 메시지" in messenger.to(GROUP)[0].text


async def test_a_reply_to_a_patient_who_blocked_the_bot_makes_them_unreachable(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-CARD04", now=clock.now(), chat_id=504)
    outcome = await reply_to_patient(
        db, clock, code="P-CARD04", text="괜찮으세요?", actor="coordinator:9001"
    )
    assert outcome.queued
    blocked = CardMessenger(
        lambda m: (
            Delivery(Outcome.BLOCKED, error_code=403)
            if m.chat_id == 504
            else Delivery(Outcome.SENT)
        )
    )
    await poster(db, blocked, clock).run_once()
    async with db.session() as session:
        patient = await session.get_one(Patient, patient_id)
        kinds = list(
            await session.scalars(select(ConversationItem.kind).order_by(ConversationItem.id))
        )
    assert patient.status == PatientStatus.UNREACHABLE
    assert kinds == ["reply", "unreachable"]
    assert any("P-CARD04" in m.text for m in blocked.to(GROUP))  # the team is told at once


def test_split_text_keeps_every_character() -> None:
    for text in ("", "short", "a" * 10_000, ("줄 " * 3000) + "\n" + "끝"):
        pieces = conversation.split_text(text, limit=4096)
        assert "".join(pieces) == text and all(len(p) <= 4096 for p in pieces)
