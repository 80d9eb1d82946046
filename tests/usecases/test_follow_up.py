"""The answer to a follow-up question, called directly on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput
from care.storage.db import Database
from care.storage.models import AlertState
from care.usecases.follow_up import answer_follow_up
from tests.storage.test_followups import read
from tests.usecases.test_checkin import patient

CHAT = 4242  # the chat of tests.care's patient and of its messages
REALERT = timedelta(minutes=15)


async def test_a_named_answer_opens_the_alert_at_its_tier_and_a_second_press_is_refused(
    db: Database, clock: FakeClock
) -> None:
    await patient(db)
    awaiting = await read(db, "머리가 아파요")
    assert awaiting is not None and awaiting.inbound_message_id is not None

    answered = await answer_follow_up(
        db,
        clock,
        chat_id=CHAT,
        inbound_message_id=awaiting.inbound_message_id,
        answer_id="sev",
        realert=REALERT,
    )

    assert (answered.language, answered.patient_code) == ("ko", "P-CONV")
    assert (answered.alert.id, answered.alert.state) == (awaiting.id, AlertState.OPEN)
    assert answered.alert.severity == "red"
    with pytest.raises(InvalidInput):  # nothing awaits any more
        await answer_follow_up(
            db,
            clock,
            chat_id=CHAT,
            inbound_message_id=awaiting.inbound_message_id,
            answer_id="sev",
            realert=REALERT,
        )


async def test_the_absent_answer_closes_the_alert(db: Database, clock: FakeClock) -> None:
    await patient(db)
    awaiting = await read(db, "머리가 아파요")
    assert awaiting is not None and awaiting.inbound_message_id is not None

    answered = await answer_follow_up(
        db,
        clock,
        chat_id=CHAT,
        inbound_message_id=awaiting.inbound_message_id,
        answer_id="no",
        realert=REALERT,
    )

    assert answered.alert.state == AlertState.RESOLVED


async def test_a_press_from_another_chat_or_an_unknown_answer_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    await patient(db)
    await patient(db, chat_id=CHAT + 1, code="P-OTHER")
    awaiting = await read(db, "머리가 아파요")
    assert awaiting is not None and awaiting.inbound_message_id is not None

    for chat_id, answer_id in ((CHAT + 1, "sev"), (CHAT + 2, "sev"), (CHAT, "forged")):
        with pytest.raises(InvalidInput):
            await answer_follow_up(
                db,
                clock,
                chat_id=chat_id,
                inbound_message_id=awaiting.inbound_message_id,
                answer_id=answer_id,
                realert=REALERT,
            )
    still = await answer_follow_up(
        db,
        clock,
        chat_id=CHAT,
        inbound_message_id=awaiting.inbound_message_id,
        answer_id="sev",
        realert=REALERT,
    )
    assert still.alert.state == AlertState.OPEN
