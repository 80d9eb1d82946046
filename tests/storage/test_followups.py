"""Free-text follow-ups: a stated sign opens at once; an unsure one waits for a named answer."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from care.domain.triage import classify
from care.storage import followups, inbox
from care.storage.db import Database
from care.storage.models import Alert, AlertState, InboundMessage, Patient
from tests.support.factories import add_patient

T0 = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


async def read(db: Database, text: str) -> Alert | None:
    async with db.uow() as uow:
        who = await uow.session.scalar(select(Patient))
        assert who is not None
        earlier = len((await uow.session.scalars(select(InboundMessage.id))).all())
        stored = inbox.keep(
            uow.session,
            patient=who,
            chat_id=4242,
            telegram_message_id=earlier + 1,
            text=text,
            now=T0,
        )
        await uow.session.flush()
        result = classify(text)
        followups.record_reading(stored, result)
        alert = await followups.await_confirmation(
            uow.session, patient=who, message=stored, result=result, now=T0
        )
        await uow.commit()
    return alert


async def answer(db: Database, alert: Alert, answer_id: str) -> Alert | None:
    async with db.uow() as uow:
        who = await uow.session.scalar(select(Patient))
        assert who is not None and alert.inbound_message_id is not None
        changed = await followups.answer(
            uow.session,
            patient=who,
            inbound_message_id=alert.inbound_message_id,
            answer_id=answer_id,
            now=T0,
        )
        await uow.commit()
    return changed


async def test_a_stated_sign_opens_at_once_and_is_not_asked_about(db: Database) -> None:
    await add_patient(db, "P-CONV", now=T0, chat_id=4242)
    alert = await read(db, "어제부터 머리가 너무 아프고 열이 38.5도예요")
    assert alert is not None and (alert.state, alert.severity) == (AlertState.OPEN, "red")
    assert not any(r.startswith("asked:") for r in alert.reasons)
    assert await answer(db, alert, "n") is None  # nothing awaits: no answer can downgrade it


async def test_an_unsure_sign_opens_at_the_tier_its_named_answer_means(db: Database) -> None:
    await add_patient(db, "P-CONV", now=T0, chat_id=4242)
    alert = await read(db, "머리가 아파요")
    assert alert is not None and alert.state == AlertState.AWAITING
    assert "asked:triage.ask.headache" in alert.reasons
    assert await answer(db, alert, "y") is None  # not one of this question's answers
    opened = await answer(db, alert, "sev")
    assert opened is not None and (opened.state, opened.severity) == (AlertState.OPEN, "red")


async def test_old_yes_no_buttons_still_mean_present_and_absent(db: Database) -> None:
    await add_patient(db, "P-CONV", now=T0, chat_id=4242)
    first = await read(db, "머리가 아파요")
    assert first is not None
    closed = await answer(db, first, "no")
    assert closed is not None and closed.state == AlertState.RESOLVED
    second = await read(db, "다리가 좀 이상해요")
    assert second is not None
    opened = await answer(db, second, "yes")
    assert opened is not None and (opened.state, opened.severity) == (AlertState.OPEN, "amber")
