"""The console's use cases on SQLite and PostgreSQL: sign-in links, sessions, Today."""

from __future__ import annotations

import functools
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput, NotAllowed, NotFound
from care.domain.pathway import load_pathway
from care.domain.plan import Approach, EnrollmentRequest
from care.storage import alerts, coordinators, enrollment
from care.storage.db import Database
from care.storage.models import AuditEntry, ConsoleLink, Patient, PatientStatus
from care.usecases import console_access, console_actions, console_views
from care.usecases.console_access import LinkRefused, SignedIn
from care.usecases.patient_status import Change

LISTED = {9001}


async def link(db: Database, clock: FakeClock, coordinator: int = 9001) -> str:
    return await console_access.issue_link(
        db, coordinator_id=coordinator, listed=LISTED, actor="cli", now=clock.now()
    )


async def open_(db: Database, clock: FakeClock, token: str) -> SignedIn | LinkRefused:
    return await console_access.open_link(db, token, listed=LISTED, language="en", now=clock.now())


async def audit_actions(db: Database) -> list[str]:
    async with db.session() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


async def test_a_link_is_stored_only_as_its_hash_and_opens_one_session(
    db: Database, clock: FakeClock
) -> None:
    token = await link(db, clock)

    first = await open_(db, clock, token)
    second = await open_(db, clock, token)

    async with db.session() as session:
        stored = (await session.scalars(select(ConsoleLink.token_hash))).all()
    assert stored == [console_access.token_hash(token)] and token not in stored
    assert isinstance(first, SignedIn) and first.coordinator_id == 9001
    assert second == LinkRefused.USED
    actions = await audit_actions(db)
    assert actions.count("console.signed_in") == 1 and "console.signin_refused" in actions


async def test_a_link_expires_after_ten_minutes(db: Database, clock: FakeClock) -> None:
    token = await link(db, clock)
    clock.advance(timedelta(minutes=10))

    assert await open_(db, clock, token) == LinkRefused.EXPIRED
    assert await open_(db, clock, "not-a-link-not-a-link") == LinkRefused.UNKNOWN


async def test_only_a_listed_coordinator_gets_a_link(db: Database, clock: FakeClock) -> None:
    with pytest.raises(NotAllowed):
        await link(db, clock, coordinator=4242)

    assert "console.link_refused" in await audit_actions(db)


async def test_a_session_ends_after_twelve_idle_hours_and_at_logout(
    db: Database, clock: FakeClock
) -> None:
    first = await open_(db, clock, await link(db, clock))
    second = await open_(db, clock, await link(db, clock))
    assert isinstance(first, SignedIn) and isinstance(second, SignedIn)

    clock.advance(timedelta(hours=11, minutes=59))
    still = await console_access.current_session(db, first.token, listed=LISTED, now=clock.now())
    clock.advance(timedelta(hours=11, minutes=59))  # first was used 11:59 ago, second 23:58
    assert still is not None
    assert (
        await console_access.current_session(db, second.token, listed=LISTED, now=clock.now())
        is None
    )
    live = await console_access.current_session(db, first.token, listed=LISTED, now=clock.now())
    assert live is not None

    await console_access.sign_out(db, live, now=clock.now())

    assert (
        await console_access.current_session(db, first.token, listed=LISTED, now=clock.now())
        is None
    )


async def test_removing_a_coordinator_ends_every_session(db: Database, clock: FakeClock) -> None:
    async with db.uow() as uow:
        await coordinators.add(uow.session, 9100, actor="cli", now=clock.now())
        await uow.commit()
    tokens = []
    for _ in range(2):
        opened = await open_(db, clock, await link(db, clock, coordinator=9100))
        assert isinstance(opened, SignedIn)
        tokens.append(opened.token)
    async with db.uow() as uow:
        await coordinators.remove(uow.session, 9100, actor="cli", now=clock.now())
        await uow.commit()

    for token in tokens:
        assert (
            await console_access.current_session(db, token, listed=LISTED, now=clock.now()) is None
        )


async def patient(db: Database, clock: FakeClock, name: str) -> Patient:
    async with db.uow() as uow:
        enrolled = await enrollment.enroll(
            uow.session,
            EnrollmentRequest(
                surgery_date=date(2026, 11, 18),
                approach=Approach.INTERLAMINAR,
                level=None,
                language="ko",
                timezone="Asia/Seoul",
                display_name=name,
            ),
            actor="cli",
            now=clock.now(),
            ttl=timedelta(days=14),
            window=(time(8), time(21)),
        )
        await uow.commit()
    async with db.session() as session:
        found = await session.scalar(select(Patient).where(Patient.code == enrolled.patient_code))
    assert found is not None
    return found


async def test_today_lists_red_alerts_before_older_amber_ones_and_records_who_acted(
    db: Database, clock: FakeClock
) -> None:
    amber, red = await patient(db, clock, "Amber"), await patient(db, clock, "Red")
    async with db.uow() as uow:
        await alerts.open_alert(
            uow.session, patient=amber, severity="amber", source="checkin", now=clock.now()
        )
        clock.advance(timedelta(minutes=5))
        opened = await alerts.open_alert(
            uow.session, patient=red, severity="red", source="free_text", now=clock.now()
        )
        await uow.commit()

    before = await console_views.today(db, now=clock.now())
    change = await console_actions.handle_alert(
        db, opened.id, "ack", coordinator_id=9001, now=clock.now()
    )
    again = await console_actions.handle_alert(
        db, opened.id, "ack", coordinator_id=9002, now=clock.now()
    )
    after = await console_views.today(db, now=clock.now())

    assert [a.patient_code for a in before.open_alerts] == [red.code, amber.code]
    assert change is not None and change.state == "acknowledged" and again is None
    assert [a.patient_code for a in after.open_alerts] == [amber.code]
    assert [(a.patient_code, a.acknowledged_by) for a in after.handled_alerts] == [(red.code, 9001)]


async def test_called_after_acknowledged_keeps_both_names(db: Database, clock: FakeClock) -> None:
    found = await patient(db, clock, "Called")
    async with db.uow() as uow:
        opened = await alerts.open_alert(
            uow.session, patient=found, severity="red", source="checkin", now=clock.now()
        )
        await uow.commit()

    await console_actions.handle_alert(db, opened.id, "ack", coordinator_id=9001, now=clock.now())
    clock.advance(timedelta(minutes=3))
    called = await console_actions.handle_alert(
        db, opened.id, "called", coordinator_id=9002, now=clock.now()
    )
    view = await console_views.today(db, now=clock.now())

    assert called is not None and called.tell_chat is None  # only an acknowledgement tells
    [handled] = view.handled_alerts
    assert (handled.acknowledged_by, handled.called_by, handled.state) == (9001, 9002, "called")


async def test_pause_resume_and_stop_from_the_console_are_audited_under_the_coordinator(
    db: Database, clock: FakeClock
) -> None:
    found = await patient(db, clock, "Status")
    async with db.uow() as uow:  # registered
        row = await uow.session.get_one(Patient, found.id)
        row.status, row.chat_id = PatientStatus.ACTIVE, 8601
        await uow.commit()
    pathway = load_pathway()
    act = functools.partial(
        console_actions.change_status, db, found.code, actor="console:9001", pathway=pathway
    )

    assert await act(Change.PAUSE, now=clock.now(), days=3) == "paused"
    with pytest.raises(InvalidInput):
        await act(Change.PAUSE, now=clock.now(), days=0)
    assert await act(Change.RESUME, now=clock.now()) == "active"
    assert await act(Change.STOP, now=clock.now()) == "stopped"
    with pytest.raises(InvalidInput):  # a stopped plan is not stopped twice
        await act(Change.STOP, now=clock.now())
    with pytest.raises(NotFound):
        await console_actions.change_status(
            db, "P-NOPE01", "pause", actor="console:9001", now=clock.now(), pathway=pathway
        )

    async with db.session() as session:
        stored = await session.get_one(Patient, found.id)
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert stored.status == PatientStatus.STOPPED
    assert [(e.action, e.actor) for e in entries if e.subject == found.code] == [
        ("patient.enrolled", "cli"),
        ("patient.paused", "console:9001"),
        ("patient.resumed", "console:9001"),
        ("patient.stopped", "console:9001"),
    ]  # the refused steps changed and recorded nothing


async def test_the_roster_leaves_out_deleted_patients_and_a_record_view_is_audited(
    db: Database, clock: FakeClock
) -> None:
    shown, gone = await patient(db, clock, "Shown"), await patient(db, clock, "Gone")
    async with db.uow() as uow:
        row = await uow.session.get_one(Patient, gone.id)
        row.status = PatientStatus.DELETED
        await uow.commit()

    roster = await console_views.roster(db, now=clock.now())
    record = await console_views.patient_record(
        db, shown.code, now=clock.now(), pathway=load_pathway(), questions=(), viewer="console:9001"
    )

    assert [(row.code, row.name, row.adherence) for row in roster] == [(shown.code, "Shown", None)]
    assert record.patient.code == shown.code and record.alerts == [] and record.checkins == []
    async with db.session() as session:
        viewed = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "console.patient_viewed")
            )
        ).all()
    assert [(e.actor, e.subject) for e in viewed] == [("console:9001", shown.code)]
    with pytest.raises(NotFound):
        await console_views.patient_record(
            db, "P-NOPE02", now=clock.now(), pathway=load_pathway(), questions=(), viewer="x"
        )
