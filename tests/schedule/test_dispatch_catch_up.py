"""After an outage: stale posture reminders are skipped (recorded); late check-ins say their day."""

from __future__ import annotations

from datetime import date, timedelta

from care.domain.clock import FakeClock
from care.domain.pathway import Pathway
from care.storage.db import Database
from care.storage.models import MessageState, Patient, PatientStatus
from care.storage.schedule import extend_schedule
from messages.catalog import load_catalog
from scheduler.dispatcher import Dispatcher
from tests.support.factories import add_patient, seoul
from tests.support.fakes import RecordingMessenger, message_ids
from tests.support.parts import build_dispatcher
from tests.support.queries import attempts, rows

SURGERY = date(2026, 11, 18)
DAY_3 = date(2026, 11, 21)


async def plan(db: Database, patient_id: int, pathway: Pathway, clock: FakeClock) -> None:
    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        await extend_schedule(uow.session, patient, pathway, now=clock.now())
        await uow.commit()


def worker(db: Database, messenger: RecordingMessenger, clock: FakeClock) -> Dispatcher:
    return build_dispatcher(db, messenger, clock, worker_id="w", coordinator_chat_id=-1)


async def test_six_hours_down_in_the_morning_skips_the_stale_reminder_and_sends_the_recent_one(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    clock.set(seoul(DAY_3, 8, 0))
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    await plan(db, patient_id, pathway, clock)
    messenger = RecordingMessenger()

    clock.advance(timedelta(hours=6))  # back at 14:00: 08:30 is 5.5 h late, 12:30 is 1.5 h late
    stats = await worker(db, messenger, clock).run_until_idle()

    assert (stats.claimed, stats.skipped, stats.sent) == (2, 1, 1)
    morning, lunch = [r for r in await rows(db, patient_id) if r.local_date == DAY_3][:2]
    assert (morning.dedupe_key, morning.state) == ("posture:3:morning", MessageState.SKIPPED)
    assert [a.outcome for a in await attempts(db, morning.id)] == ["skipped"]
    assert (await attempts(db, morning.id))[0].detail == "late_posture_reminder"
    assert (lunch.dedupe_key, lunch.state) == ("posture:3:lunch", MessageState.SENT)
    assert message_ids([m.keyboard for m in messenger.sent]) == [lunch.id]


async def test_six_hours_down_in_the_evening_still_sends_the_check_in_saying_its_day(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    clock.set(seoul(DAY_3, 18, 0))
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    await plan(db, patient_id, pathway, clock)
    messenger = RecordingMessenger()

    clock.advance(timedelta(hours=6))  # back at midnight: the 19:00 check-in is 5 h late
    stats = await worker(db, messenger, clock).run_until_idle()

    assert stats.sent == 1
    [sent] = messenger.sent
    checkin = next(r for r in await rows(db, patient_id) if r.dedupe_key == "checkin:3")
    assert checkin.state == MessageState.SENT
    assert message_ids([sent.keyboard]) == [checkin.id]
    assert sent.text == load_catalog().text("ko", "scheduler.checkin.late", date="11월 21일", day=3)


async def test_an_on_time_check_in_does_not_apologise(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    clock.set(seoul(DAY_3, 18, 0))
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), language="en", chat_id=7
    )
    await plan(db, patient_id, pathway, clock)
    messenger = RecordingMessenger()

    clock.set(
        seoul(
            DAY_3,
            19,
            0,
        )
    )
    await worker(db, messenger, clock).run_until_idle()

    [sent] = messenger.sent
    assert sent.chat_id == 7
    assert sent.text == load_catalog().text("en", "scheduler.checkin.prompt", day=3)


async def test_a_patient_paused_after_messages_were_planned_is_never_sent_them(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    clock.set(seoul(DAY_3, 8, 0))
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    await plan(db, patient_id, pathway, clock)
    async with db.uow() as uow:  # paused without cancelling (a race with the dispatcher)
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        patient.status = PatientStatus.PAUSED
        await uow.commit()
    messenger = RecordingMessenger()

    clock.advance(timedelta(hours=12))
    stats = await worker(db, messenger, clock).run_until_idle()

    assert messenger.sent == []
    assert stats.cancelled == stats.claimed == 3
    cancelled = [r for r in await rows(db, patient_id) if r.state == MessageState.CANCELLED]
    assert [a.detail for a in await attempts(db, cancelled[0].id)] == ["patient_paused"]
