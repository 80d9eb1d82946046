"""The care team's /patients and /alerts lists, read directly from a real database."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from care.domain.clock import FakeClock
from care.storage.alerts import open_alert
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus
from care.usecases.team_lists import active_patients, open_alerts
from tests.support.factories import add_patient, add_patients


async def test_active_patients_are_paged_in_enrolment_order_and_a_page_past_the_end_is_the_last(
    db: Database, clock: FakeClock
) -> None:
    await add_patients(db, 5, now=clock.now(), first_chat=9100, surgery_date=date(2026, 11, 18))
    await add_patient(db, "P-PAUSED", now=clock.now(), chat_id=9200, status=PatientStatus.PAUSED)

    first = await active_patients(db, clock, page=0, page_size=2)
    beyond = await active_patients(db, clock, page=7, page_size=2)

    assert (first.total, first.page, first.pages) == (5, 0, 3)
    assert [row["patient_code"] for row in first.rows] == ["P-B00000", "P-B00001"]
    assert (beyond.page, [row["patient_code"] for row in beyond.rows]) == (2, ["P-B00004"])


async def test_no_patient_is_still_one_page(db: Database, clock: FakeClock) -> None:
    found = await active_patients(db, clock, page=-1, page_size=10)

    assert (found.rows, found.total, found.page, found.pages) == ([], 0, 0, 1)


async def test_open_alerts_are_counted_all_and_listed_oldest_first_up_to_the_limit(
    db: Database, clock: FakeClock
) -> None:
    await add_patients(db, 3, now=clock.now(), first_chat=9300, surgery_date=date(2026, 11, 18))
    async with db.uow() as uow:
        for n, patient in enumerate(
            await uow.session.scalars(select(Patient).order_by(Patient.id))
        ):
            await open_alert(
                uow.session,
                patient=patient,
                severity="red",
                source="checkin",
                now=clock.now() + timedelta(minutes=n),
            )
        await uow.commit()

    found = await open_alerts(db, limit=2)

    assert found.total == 3
    assert [row["patient_code"] for row in found.rows] == ["P-B00000", "P-B00001"]
