"""/start, called directly on a real database: each answer, and what is stored for it."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput, InviteRejected
from care.domain.kinds import ItemKind
from care.domain.pathway import Pathway, load_pathway
from care.storage.db import Database
from care.storage.models import ConversationItem, Invite, PatientStatus, ScheduledMessage
from care.storage.throttle import AttemptThrottle
from care.usecases.enrolment import EnrolmentPolicy, enrol
from care.usecases.registration import (
    StartAnswer,
    StartReply,
    Step,
    answer_step,
    consent,
    start,
)
from tests.support.factories import add_patient
from tests.support.queries import audit_entries
from tests.usecases.test_enrolment import request

CHAT = 8701
POLICY = EnrolmentPolicy(invite_ttl=timedelta(days=14), window=(time(9, 0), time(20, 0)))


async def invite(db: Database, clock: FakeClock) -> tuple[str, str]:
    """A freshly enrolled patient (in Korean): its code and its invite's code."""
    enrolled = await enrol(db, clock, request(), policy=POLICY, bot_username="bot", actor="t")
    return enrolled.patient_code, enrolled.invite_code


async def pending_chats(db: Database) -> list[int | None]:
    async with db.session() as session:
        return list(await session.scalars(select(Invite.pending_chat_id)))


async def test_a_valid_invite_opens_and_asks_for_consent_in_the_patients_language(
    db: Database, clock: FakeClock
) -> None:
    patient, code = await invite(db, clock)

    answer = await start(
        db,
        clock,
        AttemptThrottle(),
        chat_id=CHAT,
        user_id=CHAT,
        private_chat=True,
        code=code,
        language="en",
    )

    assert answer == StartAnswer(StartReply.ASK_CONSENT, "ko", patient)
    assert await pending_chats(db) == [CHAT]


async def test_without_an_invite_a_stranger_is_told_how_to_get_one_and_a_patient_gets_help(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-REG01", now=clock.now(), chat_id=CHAT, language="en")
    stranger, patient = [
        await start(
            db,
            clock,
            AttemptThrottle(),
            chat_id=chat,
            user_id=chat,
            private_chat=True,
            code=None,
            language="ko",
        )
        for chat in (CHAT + 1, CHAT)
    ]

    assert stranger == StartAnswer(StartReply.NO_INVITE, "ko")
    assert patient == StartAnswer(StartReply.HELP, "en")


async def test_an_invite_sent_in_a_group_is_not_opened(db: Database, clock: FakeClock) -> None:
    _, code = await invite(db, clock)

    answer = await start(
        db,
        clock,
        AttemptThrottle(),
        chat_id=-100,
        user_id=CHAT,
        private_chat=False,
        code=code,
        language="ko",
    )

    assert answer == StartAnswer(StartReply.NO_INVITE, "ko")
    assert await pending_chats(db) == [None]


async def test_wrong_codes_are_refused_then_throttled_with_one_audit_entry_and_no_person(
    db: Database, clock: FakeClock
) -> None:
    _, code = await invite(db, clock)
    throttle = AttemptThrottle("2/10 minutes")

    async def try_code(attempt: str) -> StartReply:
        answer = await start(
            db,
            clock,
            throttle,
            chat_id=CHAT,
            user_id=CHAT,
            private_chat=True,
            code=attempt,
            language="ko",
        )
        return answer.reply

    assert [await try_code(f"WRONG{n}") for n in range(2)] == [StartReply.INVALID_INVITE] * 2
    assert await try_code(code) == StartReply.TOO_MANY_ATTEMPTS  # even the right one, for now
    assert [(a.actor, a.subject) for a in await audit_entries(db, "invite.throttled")] == [
        (f"telegram:{CHAT}", None)
    ]
    assert await pending_chats(db) == [None]


async def test_an_account_linked_to_another_patient_is_refused_and_the_refusal_audited(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-REG02", now=clock.now(), chat_id=CHAT)
    patient, code = await invite(db, clock)

    answer = await start(
        db,
        clock,
        AttemptThrottle(),
        chat_id=CHAT,
        user_id=CHAT,
        private_chat=True,
        code=code,
        language="en",
    )

    assert answer == StartAnswer(StartReply.ALREADY_LINKED, "en")
    refused = await audit_entries(db, "invite.refused_linked_account")
    assert [(a.actor, a.subject) for a in refused] == [("patient:P-REG02", patient)]
    assert await pending_chats(db) == [None]


async def test_an_invited_patient_whose_code_was_used_is_asked_for_the_language_again(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-REG03", now=clock.now(), chat_id=CHAT, status=PatientStatus.INVITED)

    answer = await start(
        db,
        clock,
        AttemptThrottle(),
        chat_id=CHAT,
        user_id=CHAT,
        private_chat=True,
        code="USED-ONE",
        language="en",
    )

    assert answer == StartAnswer(StartReply.ASK_LANGUAGE, "en")
    assert await audit_entries(db, "invite.throttled") == []


@pytest.fixture(scope="module")
def pathway() -> Pathway:
    return load_pathway()


async def opened(db: Database, clock: FakeClock) -> str:
    """An enrolled patient whose invite was opened from CHAT: its code."""
    patient, code = await invite(db, clock)
    answer = await start(
        db,
        clock,
        AttemptThrottle(),
        chat_id=CHAT,
        user_id=CHAT,
        private_chat=True,
        code=code,
        language="ko",
    )
    assert answer.reply == StartReply.ASK_CONSENT
    return patient


async def test_both_consents_then_each_step_make_an_active_patient_with_a_plan(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    code = await opened(db, clock)

    assert await consent(db, clock, chat_id=CHAT, agreed=True, health=False) is None
    patient = await consent(db, clock, chat_id=CHAT, agreed=True, health=True)
    assert patient is not None and (patient.code, patient.status) == (code, PatientStatus.INVITED)

    async def step(kind: Step, answer: str) -> PatientStatus:
        return (
            await answer_step(db, clock, pathway, chat_id=CHAT, step=kind, answer=answer)
        ).status

    with pytest.raises(InvalidInput):  # /language's button while still registering
        await step(Step.SET_LANGUAGE, "en")
    assert await step(Step.LANGUAGE, "en") == PatientStatus.INVITED
    assert await step(Step.SURGERY_DATE, "no") == PatientStatus.INVITED
    assert await step(Step.WAKING_WINDOW, "9-22") == PatientStatus.ACTIVE
    with pytest.raises(InvalidInput):  # an old registration button, once active
        await step(Step.WAKING_WINDOW, "7-21")

    async with db.session() as session:
        items = list(await session.scalars(select(ConversationItem.kind)))
        planned = list(await session.scalars(select(ScheduledMessage.id)))
    assert items == [ItemKind.DATE_DISPUTE]  # the team checks the date
    assert planned  # activation scheduled the pathway
    final = await answer_step(db, clock, pathway, chat_id=CHAT, step=Step.SET_LANGUAGE, answer="ko")
    assert (final.language, final.waking_start) == ("ko", time(9))


async def test_refusing_a_consent_stores_nothing_and_a_stranger_s_step_is_rejected(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    await opened(db, clock)

    assert await consent(db, clock, chat_id=CHAT, agreed=False, health=True) is None
    assert await pending_chats(db) == [None]  # the invite forgot the chat
    with pytest.raises(InviteRejected):
        await answer_step(db, clock, pathway, chat_id=CHAT, step=Step.LANGUAGE, answer="en")
