"""Alerts reach the care team; an unacknowledged red one is re-sent, then escalated."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from care.domain.callbacks import encode
from care.domain.clock import FakeClock
from care.domain.plan import Approach
from care.storage.alerts import acknowledge, mark_called, open_alert
from care.storage.db import Database
from care.storage.models import Alert, AlertState, AuditEntry, Patient
from messages.catalog import load_catalog
from scheduler.escalation import Escalator
from tests.support.factories import add_patient
from tests.support.fakes import RecordingMessenger
from tests.support.parts import build_escalator

COORDINATORS = -500
ESCALATION = -600
SURGERY = date(2026, 11, 18)


async def open_for(
    db: Database, clock: FakeClock, patient_id: int, severity: str = "red", source: str = "checkin"
) -> int:
    async with db.uow() as uow:
        patient = await uow.session.get(Patient, patient_id)
        assert patient is not None
        alert = await open_alert(
            uow.session,
            patient=patient,
            severity=severity,  # type: ignore[arg-type]
            source=source,  # type: ignore[arg-type]
            flags=[2],
            reasons=["fever"],
            now=clock.now(),
        )
        await uow.commit()
        return alert.id


def escalator(db: Database, messenger: RecordingMessenger, clock: FakeClock) -> Escalator:
    return build_escalator(
        db,
        messenger,
        clock,
        coordinator_chat_id=COORDINATORS,
        escalation_chat_id=ESCALATION,
        realert=timedelta(minutes=15),
    )


async def alert_row(db: Database, alert_id: int) -> Alert:
    async with db.session() as session:
        found = await session.get(Alert, alert_id)
        assert found is not None
        return found


async def test_an_unacknowledged_red_alert_is_resent_after_15_minutes_then_escalated_after_30(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), approach=Approach.INTERLAMINAR
    )
    alert_id = await open_for(db, clock, patient_id)
    messenger = RecordingMessenger()
    team = escalator(db, messenger, clock)

    assert await team.run_once() == 1
    assert await team.run_once() == 0
    clock.advance(timedelta(minutes=14, seconds=59))
    assert await team.run_once() == 0
    clock.advance(timedelta(seconds=1))
    assert await team.run_once() == 1
    clock.advance(timedelta(minutes=15))
    assert await team.run_once() == 1
    clock.advance(timedelta(hours=2))
    assert await team.run_once() == 0

    assert [m.chat_id for m in messenger.sent] == [COORDINATORS, COORDINATORS, ESCALATION]
    first, again, escalated = (m.text for m in messenger.sent)
    catalog = load_catalog()
    assert first.startswith(
        catalog.text(
            "ko",
            "scheduler.alert.red",
            code="P0001",
            day=2,
            approach=catalog.text("ko", "scheduler.approach.interlaminar"),
        )
    )
    assert catalog.raw("ko", "alert.sign.2") in first  # the sign in words, not a rule id
    assert "fever" not in first
    assert again.startswith(catalog.text("ko", "scheduler.alert.repeat", minutes=15))
    assert escalated.startswith(catalog.text("ko", "scheduler.alert.escalated", minutes=30))
    assert messenger.sent[0].keyboard[0][0].data == encode("ack", alert_id)
    row = await alert_row(db, alert_id)
    assert (row.escalation_level, row.next_escalation_at, row.telegram_message_id) == (3, None, 3)


async def test_acknowledging_stops_the_re_escalation_and_is_audited(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), approach=Approach.INTERLAMINAR
    )
    alert_id = await open_for(db, clock, patient_id)
    messenger = RecordingMessenger()
    team = escalator(db, messenger, clock)
    await team.run_once()

    clock.advance(timedelta(minutes=3))
    async with db.uow() as uow:
        acked = await acknowledge(uow.session, alert_id, by_user=2002, now=clock.now())
        assert acked is not None
        await uow.commit()
    clock.advance(timedelta(hours=1))

    assert await team.run_once() == 0
    assert len(messenger.sent) == 1
    row = await alert_row(db, alert_id)
    assert (row.state, row.acknowledged_by, row.next_escalation_at) == (
        AlertState.ACKNOWLEDGED,
        2002,
        None,
    )
    async with db.session() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["alert_opened", "alert_posted", "alert_acknowledged"]


async def test_an_amber_alert_is_posted_once_and_a_second_one_of_the_same_source_is_merged(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), approach=Approach.INTERLAMINAR
    )
    first = await open_for(db, clock, patient_id, severity="amber", source="missed_checkins")
    again = await open_for(db, clock, patient_id, severity="amber", source="missed_checkins")
    messenger = RecordingMessenger()
    team = escalator(db, messenger, clock)

    await team.run_once()
    clock.advance(timedelta(hours=3))
    await team.run_once()

    assert first == again
    assert len(messenger.sent) == 1
    assert messenger.sent[0].text.startswith("🟠")


async def test_called_patient_closes_the_alert_and_a_second_press_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(
        db, surgery_date=SURGERY, now=clock.now(), approach=Approach.INTERLAMINAR
    )
    alert_id = await open_for(db, clock, patient_id)

    async with db.uow() as uow:
        assert await mark_called(uow.session, alert_id, by_user=7, now=clock.now()) is not None
        assert await mark_called(uow.session, alert_id, by_user=8, now=clock.now()) is None
        assert await acknowledge(uow.session, alert_id, by_user=9, now=clock.now()) is None
        await uow.commit()

    row = await alert_row(db, alert_id)
    assert (row.state, row.called_by, row.acknowledged_by) == (AlertState.CALLED, 7, 7)
