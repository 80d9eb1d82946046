"""Acknowledge and "Called patient", as the alert buttons call them."""

from __future__ import annotations

from datetime import timedelta

from care.domain.clock import FakeClock
from care.storage import alerts
from care.storage.db import Database
from care.storage.models import Alert, AlertState, Patient
from care.usecases.alert_handling import Handled, Handling, handle
from tests.support.factories import add_patient


async def red_alert(db: Database, clock: FakeClock) -> int:
    patient_id = await add_patient(db, "P-ALERT1", now=clock.now(), chat_id=8301, language="en")
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        alert = await alerts.open_alert(
            uow.session,
            patient=patient,
            severity="red",
            source="checkin",
            flags=[1],
            now=clock.now(),
        )
        await uow.commit()
        return alert.id


async def test_acknowledging_stops_re_escalation_and_says_whom_to_tell(
    db: Database, clock: FakeClock
) -> None:
    alert_id = await red_alert(db, clock)
    clock.advance(timedelta(minutes=3))

    handled = await handle(db, clock, alert_id, Handling.ACKNOWLEDGE, by_user=9001)

    assert handled == Handled(alert_id, Handling.ACKNOWLEDGE, clock.now(), 8301, "en")
    async with db.session() as session:
        alert = await session.get_one(Alert, alert_id)
        assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, 9001)
        assert alert.next_escalation_at is None
    # a second press (another coordinator, the same moment) changes nothing
    assert await handle(db, clock, alert_id, Handling.ACKNOWLEDGE, by_user=9002) is None


async def test_called_after_acknowledged_is_recorded_once_and_unknown_alerts_change_nothing(
    db: Database, clock: FakeClock
) -> None:
    alert_id = await red_alert(db, clock)
    await handle(db, clock, alert_id, Handling.ACKNOWLEDGE, by_user=9001)
    called = await handle(db, clock, alert_id, Handling.CALLED, by_user=9002)
    assert called is not None and called.how is Handling.CALLED
    assert await handle(db, clock, alert_id, Handling.CALLED, by_user=9002) is None
    assert await handle(db, clock, 10_000, Handling.ACKNOWLEDGE, by_user=9001) is None
    async with db.session() as session:
        alert = await session.get_one(Alert, alert_id)
        assert (alert.state, alert.acknowledged_by, alert.called_by) == (
            AlertState.CALLED,
            9001,
            9002,
        )
