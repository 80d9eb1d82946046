"""Cards that wait behind the group's pace (20 a minute) are posted together: a nurse gets a
few cards for a flood of messages, every item whole, urgent ones first, none hidden."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from care.domain.callbacks import decode
from care.domain.clock import FakeClock
from care.storage import conversation, inbox
from care.storage.db import Database
from care.storage.models import ConversationItem, Patient
from care.usecases.conversation import ReplyStatus, reply_to_card
from tests.schedule.test_cards import GROUP, CardMessenger, poster
from tests.support.factories import add_patient


async def wrote(
    db: Database, patient_id: int, text: str, now: datetime, *, message_id: int, tier: str
) -> int:
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        stored = inbox.keep(
            uow.session,
            patient=patient,
            chat_id=patient.chat_id or 0,
            telegram_message_id=message_id,
            text=text,
            now=now,
        )
        await uow.session.flush()
        item = await conversation.record_message(
            uow.session, patient=patient, inbound=stored, tier=tier, now=now
        )
        await uow.commit()
        return item.id


async def states(db: Database) -> list[str]:
    async with db.session() as session:
        return list(await session.scalars(select(ConversationItem.post_state)))


async def test_cards_that_waited_together_are_posted_as_one_card_urgent_first(
    db: Database, clock: FakeClock
) -> None:
    first = await add_patient(db, "P-TOG001", now=clock.now(), chat_id=601)
    second = await add_patient(db, "P-TOG002", now=clock.now(), chat_id=602)
    items = []
    for n in range(12):
        clock.advance(timedelta(seconds=1))
        items.append(
            await wrote(
                db, first if n % 2 else second, f"오늘 메모 {n}", clock.now(),
                message_id=n + 1, tier="red" if n == 7 else "green",
            )
        )  # fmt: skip
    messenger = CardMessenger()

    assert await poster(db, messenger, clock).run_once() == 12

    cards = messenger.to(GROUP)
    assert len(cards) == 1 and len(cards[0].text) <= 4096
    text = cards[0].text
    assert all(f"“오늘 메모 {n}”" in text for n in range(12))  # every item, whole
    assert text.index("오늘 메모 7") < text.index("오늘 메모 0")  # the red one first
    assert not cards[0].silent  # a red item in it: the card notifies
    handled = [decode(b.data) for row in cards[0].keyboard for b in row]
    assert sorted(c.arg_int(0) for c in handled) == sorted(items)  # a button per item
    assert {c.args[1] for c in handled} == {"m"}
    assert await states(db) == ["posted"] * 12
    several = await reply_to_card(
        db, clock, chat_id=GROUP, message_id=1, text="괜찮으세요?", actor="coordinator:9001"
    )
    assert several.status == ReplyStatus.SEVERAL_PATIENTS  # nobody gets a reply meant for one


async def test_a_long_item_has_its_own_card_and_the_rest_share_cards_never_cut(
    db: Database, clock: FakeClock
) -> None:
    patient = await add_patient(db, "P-TOG003", now=clock.now(), chat_id=603)
    long_words = " ".join(f"말{n}" for n in range(2_500))  # about 10,000 characters
    texts = [long_words, *(("가" * 1500) + f" {n}" for n in range(5))]
    for n, words in enumerate(texts):
        clock.advance(timedelta(seconds=1))
        await wrote(db, patient, words, clock.now(), message_id=n + 1, tier="amber")
    messenger = CardMessenger()

    assert await poster(db, messenger, clock).run_once() == len(texts)

    cards = messenger.to(GROUP)
    assert all(len(card.text) <= 4096 for card in cards)
    assert "".join(card.text for card in cards).count(long_words) == 1  # split, never cut
    for n in range(5):  # each shorter item whole in exactly one card
        assert sum(f"“{'가' * 1500} {n}”" in card.text for card in cards) == 1
    assert len(cards) < 3 + 5  # the long one's pieces, then the rest two or three to a card
    reply = await reply_to_card(
        db, clock, chat_id=GROUP, message_id=cards.index(cards[-1]) + 1, text="네",
        actor="coordinator:9001",
    )  # fmt: skip
    assert reply.queued and reply.patient_code == "P-TOG003"  # one patient's card: it reaches


async def test_a_card_that_waits_alone_is_posted_as_before(db: Database, clock: FakeClock) -> None:
    patient = await add_patient(db, "P-TOG004", now=clock.now(), chat_id=604)
    await wrote(db, patient, "혼자 온 메시지", clock.now(), message_id=1, tier="green")
    messenger = CardMessenger()
    assert await poster(db, messenger, clock).run_once() == 1
    (card,) = messenger.to(GROUP)
    assert decode(card.keyboard[0][0].data).args[1] == "c"
    assert "📥" not in card.text


def test_handled_on_a_card_of_several_changes_only_the_pressed_button() -> None:
    from datetime import UTC

    from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message

    from bot.inbox_commands import handled_in_place
    from care.domain.callbacks import encode
    from care.domain.messaging import Button

    buttons = [InlineKeyboardButton(f"{n} · ✔ Handled", callback_data=encode("hdl", n, "m"))
               for n in (1, 2, 3)]  # fmt: skip
    message = Message(
        1, datetime(2026, 1, 1, tzinfo=UTC), Chat(GROUP, "supergroup"),
        reply_markup=InlineKeyboardMarkup([buttons[:2], buttons[2:]]),
    )  # fmt: skip
    keyboard = handled_in_place(message, encode("hdl", 2, "m"), "✔ Handled by Kim")
    assert keyboard == (
        (Button("1 · ✔ Handled", encode("hdl", 1, "m")),
         Button("2 · ✔ Handled by Kim", encode("hdl", 2, "m"))),
        (Button("3 · ✔ Handled", encode("hdl", 3, "m")),),
    )  # fmt: skip


async def test_in_a_card_of_several_only_red_and_amber_attachments_are_copied(
    db: Database, clock: FakeClock
) -> None:
    patient = await add_patient(db, "P-TOG005", now=clock.now(), chat_id=605)
    for n, tier in enumerate(("green", "ask", "amber", "red"), start=1):
        async with db.uow() as uow:
            owner = await uow.session.get_one(Patient, patient)
            stored = inbox.keep(
                uow.session, patient=owner, chat_id=605, telegram_message_id=n,
                text=f"[photo] {tier}", now=clock.now(),
            )  # fmt: skip
            await uow.session.flush()
            await conversation.record_message(
                uow.session, patient=owner, inbound=stored, tier=tier, attachment="photo",
                file_id=f"file{n}", now=clock.now(),
            )  # fmt: skip
            await uow.commit()
    messenger = CardMessenger()
    assert await poster(db, messenger, clock).run_once() == 4
    assert len(messenger.to(GROUP)) == 1
    assert sorted(copy[2] for copy in messenger.copies) == [3, 4]  # amber's and red's photos
