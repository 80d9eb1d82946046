"""/mydata's reading, called directly on a real database: the patient's own rows, no one else's."""

from __future__ import annotations

from care.domain.clock import FakeClock
from care.storage.db import Database
from care.storage.models import PatientStatus
from care.usecases.my_data import my_data
from tests.support.factories import add_patient

CHAT = 8951


async def test_the_patient_gets_their_own_record_and_no_one_elses(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-MINE1", now=clock.now(), chat_id=CHAT, language="en")
    await add_patient(db, "P-OTHER", now=clock.now(), chat_id=CHAT + 1)

    found = await my_data(db, chat_id=CHAT)

    assert found is not None and found.patient.code == "P-MINE1"
    assert [row["code"] for row in found.data["patients"]] == ["P-MINE1"]


async def test_an_erased_record_or_a_stranger_gets_nothing(db: Database, clock: FakeClock) -> None:
    await add_patient(db, "P-GONE1", now=clock.now(), chat_id=CHAT, status=PatientStatus.DELETED)

    assert await my_data(db, chat_id=CHAT) is None
    assert await my_data(db, chat_id=CHAT + 5) is None
