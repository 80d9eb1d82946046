"""No Telegram call inside an open transaction: claim, send, record (issue 14, point 1).

A paced send holds whatever transaction is open around it; on SQLite that is the one write
lock, and a patient confirming a red sign got "database is locked".
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.messaging import Delivery, Outcome, OutgoingMessage
from care.domain.triage import Tier, TriageResult
from care.storage import followups
from care.storage.alerts import open_alert
from care.storage.db import Database, in_unit_of_work
from care.storage.models import Alert, AlertState, InboundMessage, Patient
from tests.support.factories import add_due_messages, add_patients
from tests.support.fakes import RecordingMessenger
from tests.support.parts import build_dispatcher, build_escalator
from tests.support.queries import states

COORDINATORS = -500
SURGERY = date(2026, 11, 18)
PATIENTS = 25


async def test_the_unit_of_work_marks_the_task_inside_it(db: Database) -> None:
    assert not in_unit_of_work()
    async with db.uow():
        assert in_unit_of_work()
        async with db.uow():
            assert in_unit_of_work()
        assert in_unit_of_work()
    assert not in_unit_of_work()


async def test_a_messenger_call_inside_a_unit_of_work_is_counted(
    db: Database, clock: FakeClock
) -> None:
    """What every scheduler test checks at teardown (tests/schedule/conftest.py) can fail."""
    messenger = RecordingMessenger()
    message = OutgoingMessage(chat_id=1, text="hello")
    async with db.uow():
        await messenger.send(message)
        await messenger.edit(1, 1, "edited")
    await messenger.send(message)

    assert messenger.inside_transaction == 2
    messenger.inside_transaction = 0  # this test's own teardown check passes


async def test_the_escalator_posts_every_alert_with_no_transaction_open(
    db: Database, clock: FakeClock
) -> None:
    await add_patients(db, 3, surgery_date=SURGERY, now=clock.now())
    async with db.uow() as uow:
        for patient in await uow.session.scalars(select(Patient)):
            await open_alert(
                uow.session, patient=patient, severity="red", source="checkin", now=clock.now()
            )
        await uow.commit()
    messenger = RecordingMessenger()
    team = build_escalator(db, messenger, clock, coordinator_chat_id=COORDINATORS)

    assert await team.run_once() == 3
    assert await team.run_once() == 0

    assert messenger.inside_transaction == 0
    async with db.session() as session:
        posted = list(await session.scalars(select(Alert)))
    assert [(a.escalation_level, a.post_claimed_by) for a in posted] == [(1, None)] * 3


async def test_the_dispatcher_sends_and_reports_with_no_transaction_open(
    db: Database, clock: FakeClock
) -> None:
    """Sent, 429, transient, blocked (which opens and posts a red alert): all outside."""
    await add_patients(db, 8, surgery_date=SURGERY, now=clock.now())
    await add_due_messages(db, 16, patients=8, due_at=clock.now())
    answers = iter(
        [
            Delivery(Outcome.RETRY_LATER, retry_after=3, error_code=429),
            Delivery(Outcome.TRANSIENT, error_code=502),
            Delivery(Outcome.BLOCKED, error_code=403),
        ]
    )

    def script(message: OutgoingMessage) -> Delivery:
        if message.chat_id == COORDINATORS:
            return Delivery(Outcome.SENT)
        return next(answers, Delivery(Outcome.SENT))

    messenger = RecordingMessenger(script)
    worker = build_dispatcher(
        db, messenger, clock, worker_id="w", coordinator_chat_id=COORDINATORS, concurrency=4
    )

    stats = await worker.run_until_idle()

    assert messenger.inside_transaction == 0
    assert (stats.sent, stats.retried, stats.blocked, stats.cancelled) == (11, 3, 1, 1)
    assert [m.chat_id for m in messenger.sent].count(COORDINATORS) == 1  # the unreachable alert
    assert (await states(db))["sent"] == 11


async def test_twenty_five_patients_confirm_a_red_sign_within_a_second_and_none_gets_an_error(
    sqlite_database_url: str, clock: FakeClock
) -> None:
    """SQLite, the escalator posting at a group's pace while 25 confirmations come in.

    Before, the escalator held the write lock across its sends (here 25 x 40 ms, against a
    busy timeout of 300 ms), so confirmations failed with "database is locked".
    """
    db = Database(sqlite_database_url, busy_timeout_ms=300)
    try:
        await add_patients(db, PATIENTS, surgery_date=SURGERY, now=clock.now())
        inbound = await awaiting_red_signs(db, clock)
        messenger = RecordingMessenger(pause=0.04)  # a group's paced sends
        team = build_escalator(db, messenger, clock, coordinator_chat_id=COORDINATORS, batch=50)
        kicks: list[asyncio.Task[int]] = []

        async def confirm(patient_id: int, inbound_id: int) -> None:
            await asyncio.sleep(0.03 * (patient_id % PATIENTS))  # 25 within about a second
            async with db.uow() as uow:
                patient = await uow.session.get_one(Patient, patient_id)
                alert = await followups.answer(
                    uow.session,
                    patient=patient,
                    inbound_message_id=inbound_id,
                    answer_id="y",  # "소변이 안 나와요": the named answer of a red sign
                    now=clock.now(),
                )
                assert alert is not None
                await uow.commit()
            kicks.append(asyncio.ensure_future(team.run_once()))  # the bot's post_alerts kick

        results = await asyncio.gather(
            *(confirm(p, i) for p, i in inbound.items()), return_exceptions=True
        )
        await asyncio.gather(*kicks)
        await team.run_once()

        errors = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
        print(f"\n{PATIENTS} confirmations during paced alert posts: errors {dict(errors)}")
        assert errors == Counter()
        assert messenger.inside_transaction == 0
        async with db.session() as session:
            alerts = list(await session.scalars(select(Alert)))
        assert {(a.state, a.escalation_level) for a in alerts} == {(AlertState.OPEN, 1)}
        assert len(messenger.to(COORDINATORS)) == PATIENTS
    finally:
        await db.dispose()


async def awaiting_red_signs(db: Database, clock: FakeClock) -> dict[int, int]:
    """Each patient wrote something the reader was unsure of and was asked whether urine
    comes: patient id -> inbound id."""
    found: dict[int, int] = {}
    red = TriageResult(
        tier=Tier.ASK, flags=(1,), evidence=("소변이",), question="triage.ask.bladder"
    )
    async with db.uow() as uow:
        for patient in await uow.session.scalars(select(Patient)):
            message = InboundMessage(
                patient_id=patient.id,
                chat_id=patient.chat_id or 0,
                telegram_message_id=1,
                text="소변이 안 나와요",
                received_at=clock.now(),
            )
            uow.session.add(message)
            await uow.session.flush()
            await followups.await_confirmation(
                uow.session, patient=patient, message=message, result=red, now=clock.now()
            )
            found[patient.id] = message.id
        await uow.commit()
    return found


async def test_an_alert_whose_post_fails_is_tried_once_a_run_and_others_still_go(
    db: Database, clock: FakeClock
) -> None:
    await add_patients(db, 2, surgery_date=SURGERY, now=clock.now())
    async with db.uow() as uow:
        for patient in await uow.session.scalars(select(Patient).order_by(Patient.id)):
            await open_alert(
                uow.session, patient=patient, severity="red", source="checkin", now=clock.now()
            )
        await uow.commit()
    tries: list[str] = []

    def first_refused(message: OutgoingMessage) -> Delivery:
        tries.append(message.text.split("·")[1].strip())
        if len(tries) == 1:
            return Delivery(Outcome.TRANSIENT, error_code=502)
        return Delivery(Outcome.SENT)

    team = build_escalator(
        db, RecordingMessenger(first_refused), clock, coordinator_chat_id=COORDINATORS
    )

    assert await team.run_once() == 1
    assert await team.run_once() == 1
    assert len(tries) == 3  # the failed one once in the first run, again in the second
    async with db.session() as session:
        levels = list(await session.scalars(select(Alert.escalation_level).order_by(Alert.id)))
    assert levels == [1, 1]
