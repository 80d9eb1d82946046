"""The schedule table: materialised ahead, idempotent, in the waking window, following changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from care.domain.clock import FakeClock
from care.domain.pathway import Pathway, WakingWindow, load_pathway, occurrences
from care.domain.plan import Approach
from care.storage.db import Database
from care.storage.models import MessageState, Patient, PatientStatus
from care.storage.schedule import cancel_pending, extend_all, extend_schedule, reschedule, upcoming
from tests.support.factories import SEOUL, add_patient, seoul
from tests.support.queries import rows, states

SURGERY = date(2026, 11, 18)  # the clock starts on day 2, 09:00 in Seoul


@pytest.fixture(scope="module")
def pathway() -> Pathway:
    return load_pathway()


async def extend(db: Database, patient_id: int, pathway: Pathway, clock: FakeClock) -> int:
    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        added = await extend_schedule(uow.session, patient, pathway, now=clock.now())
        await uow.commit()
    return added


async def test_extend_materialises_three_days_ahead_once(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    expected = occurrences(
        pathway,
        surgery_date=SURGERY,
        approach="interlaminar",
        zone=SEOUL,
        window=WakingWindow(time(8), time(21)),
        start=clock.now(),
        end=clock.now() + timedelta(days=3),
    )

    assert await extend(db, patient_id, pathway, clock) == len(expected) > 6
    assert await extend(db, patient_id, pathway, clock) == 0

    stored = await rows(db, patient_id)
    assert [r.dedupe_key for r in stored] == [o.dedupe_key for o in expected]
    assert [r.due_at for r in stored] == [o.due_at for o in expected]
    assert {r.state for r in stored} == {MessageState.PENDING}
    assert all(clock.now() <= r.due_at < clock.now() + timedelta(days=3) for r in stored)
    assert (await patient_row(db, patient_id)).scheduled_through == clock.now() + timedelta(days=3)


async def test_a_day_later_only_the_new_day_is_added(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    first = await extend(db, patient_id, pathway, clock)
    clock.advance(timedelta(days=1))

    added = await extend(db, patient_id, pathway, clock)

    assert 0 < added <= 3
    keys = [r.dedupe_key for r in await rows(db, patient_id)]
    assert len(keys) == len(set(keys)) == first + added


async def test_nothing_is_scheduled_outside_a_narrow_waking_window(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), waking=(time(10, 0), time(18, 0))
    )
    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        await extend_schedule(
            uow.session, patient, pathway, now=clock.now(), horizon=timedelta(days=14)
        )
        await uow.commit()

    stored = await rows(db, patient_id)
    assert len(stored) > 20
    assert all(time(10) <= r.local_time <= time(18) for r in stored)
    assert all(time(10) <= r.due_at.astimezone(SEOUL).time() <= time(18) for r in stored)


async def test_pause_cancels_pending_and_resume_revives_the_rest_of_the_plan(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    planned = await extend(db, patient_id, pathway, clock)

    async with db.uow() as uow:
        cancelled = await cancel_pending(uow.session, patient_id, now=clock.now(), reason="paused")
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        patient.status = PatientStatus.PAUSED
        await uow.commit()
    assert cancelled == planned
    assert await states(db) == {"cancelled": planned}
    assert await extend(db, patient_id, pathway, clock) == 0

    clock.advance(timedelta(hours=12))  # day 2, 21:00: the 12:30 and 19:00 messages passed
    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        patient.status = PatientStatus.ACTIVE
        revived = await reschedule(uow.session, patient, pathway, now=clock.now())
        await uow.commit()

    pending = [r for r in await rows(db, patient_id) if r.state == MessageState.PENDING]
    assert revived == len(pending) > 0
    assert all(r.due_at >= clock.now() for r in pending)
    passed = [r for r in await rows(db, patient_id) if r.due_at < clock.now()]
    assert passed
    assert {r.state for r in passed} == {MessageState.CANCELLED}  # never sent late


async def test_a_patient_paused_until_a_later_date_gets_nothing(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        patient.paused_until = date(2026, 11, 22)
        await uow.commit()

    assert await extend(db, patient_id, pathway, clock) == 0
    clock.advance(timedelta(days=2))  # 11-22 09:00 in Seoul: the pause is over
    assert await extend(db, patient_id, pathway, clock) > 0


async def test_changing_the_waking_window_moves_future_messages_into_it(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    await extend(db, patient_id, pathway, clock)
    before = {r.dedupe_key: r for r in await rows(db, patient_id)}

    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        patient.waking_start, patient.waking_end = time(10, 0), time(18, 0)
        count = await reschedule(uow.session, patient, pathway, now=clock.now())
        await uow.commit()

    pending = [r for r in await rows(db, patient_id) if r.state == MessageState.PENDING]
    assert count == len(pending) > 0
    assert all(time(10) <= r.local_time <= time(18) for r in pending)
    moved = [r for r in pending if r.dedupe_key.startswith("checkin:")]
    assert moved
    assert all(r.local_time == time(18, 0) for r in moved)  # 19:00 clamps to the window's end
    assert all(r.id == before[r.dedupe_key].id for r in moved)  # the same rows, revived
    cancelled = [r for r in await rows(db, patient_id) if r.state == MessageState.CANCELLED]
    assert all(r.dedupe_key not in {p.dedupe_key for p in pending} for r in cancelled)


async def test_extend_all_covers_active_patients_in_batches_and_skips_the_others(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    active = [
        await add_patient(db, code=f"A{n}", chat_id=100 + n, surgery_date=SURGERY, now=clock.now())
        for n in range(5)
    ]
    stopped = await add_patient(
        db,
        code="S1",
        chat_id=200,
        surgery_date=SURGERY,
        now=clock.now(),
        status=PatientStatus.STOPPED,
    )
    paused = await add_patient(
        db,
        code="S2",
        chat_id=201,
        surgery_date=SURGERY,
        now=clock.now(),
        status=PatientStatus.PAUSED,
    )

    async with db.uow() as uow:
        added = await extend_all(uow.session, pathway, now=clock.now(), batch=2)
        await uow.commit()
    async with db.uow() as uow:
        again = await extend_all(uow.session, pathway, now=clock.now(), batch=2)
        await uow.commit()

    per_patient = {pid: len(await rows(db, pid)) for pid in active}
    assert added == sum(per_patient.values())
    assert len(set(per_patient.values())) == 1
    assert again == 0
    assert await rows(db, stopped) == []
    assert await rows(db, paused) == []


async def test_upcoming_lists_the_next_pending_messages_in_due_order(
    db: Database, clock: FakeClock, pathway: Pathway
) -> None:
    patient_id = await add_patient(db, surgery_date=SURGERY, now=clock.now())
    await extend(db, patient_id, pathway, clock)

    async with db.session() as session:
        nxt = await upcoming(session, patient_id, limit=4)

    assert len(nxt) == 4
    assert [r.due_at for r in nxt] == sorted(r.due_at for r in nxt)
    assert nxt[0].due_at >= clock.now()
    assert nxt[0].kind in ("posture", "checkin", "milestone")


async def patient_row(db: Database, patient_id: int) -> Patient:
    async with db.session() as session:
        found = await session.get(Patient, patient_id)
        assert found is not None
        return found


@pytest.mark.parametrize("approach", ["interlaminar", "transforaminal", "biportal"])
async def test_twelve_weeks_extended_a_day_at_a_time_store_the_whole_plan_once(
    db: Database, clock: FakeClock, pathway: Pathway, approach: str
) -> None:
    clock.set(seoul(SURGERY, 7, 0))
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), approach=Approach(approach)
    )
    whole = occurrences(
        pathway,
        surgery_date=SURGERY,
        approach=approach,
        zone=SEOUL,
        window=WakingWindow(time(8), time(21)),
        start=clock.now(),
        end=clock.now() + timedelta(days=pathway.last_day + 1),
    )

    for _ in range(pathway.last_day + 1):
        async with db.uow() as uow:
            await extend_all(uow.session, pathway, now=clock.now())
            await uow.commit()
        clock.advance(timedelta(days=1))

    stored = await rows(db, patient_id)
    assert [(r.dedupe_key, r.due_at) for r in stored] == [(o.dedupe_key, o.due_at) for o in whole]


@pytest.mark.parametrize(
    ("surgery", "change"),
    [(date(2026, 3, 1), date(2026, 3, 8)), (date(2026, 10, 1), date(2026, 11, 1))],
    ids=["spring-forward", "fall-back"],
)
async def test_across_a_dst_change_each_message_is_stored_once_at_its_wall_clock_time(
    db: Database, clock: FakeClock, pathway: Pathway, surgery: date, change: date
) -> None:
    new_york = ZoneInfo("America/New_York")
    clock.set(datetime.combine(change - timedelta(days=3), time(12), UTC))
    patient_id = await add_patient(
        db,
        surgery_date=surgery,
        now=clock.now(),
        timezone="America/New_York",
        waking=(time(6, 0), time(22, 0)),
    )

    while clock.now() < datetime.combine(change + timedelta(days=3), time(12), UTC):
        async with db.uow() as uow:
            await extend_all(uow.session, pathway, now=clock.now(), horizon=timedelta(days=1))
            await uow.commit()
        clock.advance(timedelta(hours=7))

    stored = await rows(db, patient_id)
    keys = [r.dedupe_key for r in stored]
    assert len(keys) == len(set(keys))
    on_the_day = [r for r in stored if r.local_date == change]
    expected = occurrences(
        pathway,
        surgery_date=surgery,
        approach="interlaminar",
        zone=new_york,
        window=WakingWindow(time(6), time(22)),
        start=datetime.combine(change, time(0), new_york),
        end=datetime.combine(change + timedelta(days=1), time(0), new_york),
    )
    assert [r.dedupe_key for r in on_the_day] == [o.dedupe_key for o in expected]
    assert len(on_the_day) >= 2
    assert all(r.due_at.astimezone(new_york).time() == r.local_time for r in stored)
