"""/start, called directly on a real database: each answer, and what is stored for it."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from care.domain.clock import FakeClock
from care.storage.db import Database
from care.storage.models import Invite, PatientStatus
from care.storage.throttle import AttemptThrottle
from care.usecases.enrolment import EnrolmentPolicy, enrol
from care.usecases.registration import StartAnswer, StartReply, start
from tests.coordinator.coordinator_support import add_patient, audit_actions
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
    assert [(a.actor, a.subject) for a in await audit_actions(db, "invite.throttled")] == [
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
    refused = await audit_actions(db, "invite.refused_linked_account")
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
    assert await audit_actions(db, "invite.throttled") == []
