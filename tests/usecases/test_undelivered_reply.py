"""An awaiting alert whose follow-up question never reached the patient opens at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from care.domain.clock import FakeClock, utc_from_db
from care.storage import alerts
from care.storage.db import Database
from care.storage.models import Alert, AlertState, AuditEntry, Patient
from care.usecases.undelivered_reply import REASON, open_alert_now
from tests.support.factories import add_patient


async def awaiting(db: Database, clock: FakeClock, severity: str) -> int:
    patient_id = await add_patient(db, f"P-UNDL{severity[0].upper()}", now=clock.now())
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        alert = await alerts.open_alert(
            uow.session, patient=patient, severity=severity, source="free_text", now=clock.now()
        )
        alert.state = AlertState.AWAITING
        alert.next_escalation_at = clock.now() + timedelta(minutes=10)
        await uow.commit()
        return alert.id


async def stored(db: Database, alert_id: int) -> Alert:
    async with db.session() as session:
        return await session.get_one(Alert, alert_id)


async def test_a_red_alert_opens_at_once_and_is_due_for_re_escalation(
    db: Database, clock: FakeClock
) -> None:
    alert_id = await awaiting(db, clock, "red")
    clock.advance(timedelta(seconds=30))

    assert await open_alert_now(db, alert_id, now=clock.now(), realert=timedelta(minutes=15))

    alert = await stored(db, alert_id)
    assert alert.state == AlertState.OPEN and REASON in alert.reasons
    assert alert.escalation_level == 0
    assert utc_from_db(alert.next_escalation_at) == clock.now() + timedelta(minutes=15)
    async with db.session() as session:
        [entry] = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "followup.reply_undelivered")
            )
        ).all()
    assert entry.subject == f"alert:{alert_id}" and entry.actor == "system"


async def test_an_amber_alert_opens_without_a_re_escalation_time(
    db: Database, clock: FakeClock
) -> None:
    alert_id = await awaiting(db, clock, "amber")

    assert await open_alert_now(db, alert_id, now=clock.now())

    alert = await stored(db, alert_id)
    assert (alert.state, alert.next_escalation_at) == (AlertState.OPEN, None)


async def test_an_alert_answered_meanwhile_or_missing_is_left_alone(
    db: Database, clock: FakeClock
) -> None:
    alert_id = await awaiting(db, clock, "red")
    async with db.uow() as uow:
        alert = await uow.session.get_one(Alert, alert_id)
        alert.state = AlertState.RESOLVED
        await uow.commit()

    assert not await open_alert_now(db, alert_id, now=clock.now())
    assert not await open_alert_now(db, alert_id + 1000, now=clock.now())

    alert = await stored(db, alert_id)
    assert alert.state == AlertState.RESOLVED and REASON not in alert.reasons
    async with db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "followup.reply_undelivered" not in actions
