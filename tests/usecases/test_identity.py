"""Who is writing, read directly from a real database: a chat's patient, a care-team member."""

from __future__ import annotations

from care.domain.clock import FakeClock
from care.storage import coordinators
from care.storage.db import Database
from care.storage.models import PatientStatus
from care.usecases.identity import is_coordinator, patient_in_chat, stored_coordinators
from tests.support.factories import add_patient

CHAT = 8901


async def test_a_chat_has_its_patient_unless_the_record_was_erased(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-WHO01", now=clock.now(), chat_id=CHAT, language="en")
    await add_patient(
        db, "P-WHO02", now=clock.now(), chat_id=CHAT + 1, status=PatientStatus.DELETED
    )

    found = await patient_in_chat(db, CHAT)

    assert found is not None and (found.code, found.language) == ("P-WHO01", "en")
    assert await patient_in_chat(db, CHAT + 1) is None  # erased
    assert await patient_in_chat(db, CHAT + 2) is None  # nobody


async def test_a_coordinator_is_listed_in_the_settings_or_added_and_no_one_else_is(
    db: Database, clock: FakeClock
) -> None:
    async with db.uow() as uow:
        await coordinators.add(uow.session, 7002, actor="cli", now=clock.now())
        await uow.commit()

    assert await is_coordinator(db, 7001, listed={7001})
    assert await is_coordinator(db, 7002, listed={7001})
    assert not await is_coordinator(db, 7003, listed={7001})
    assert await stored_coordinators(db) == {7002}
