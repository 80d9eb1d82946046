"""/patient CODE's reading, called directly on a real database: what it gathers, and the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from care.domain.clock import FakeClock
from care.domain.errors import NotFound
from care.domain.kinds import ItemKind
from care.storage import conversation
from care.storage.db import Database
from care.storage.models import CheckIn, CheckInAnswer, Patient
from care.usecases.patient_summary import as_json, listing, look_up
from tests.support.factories import add_patient
from tests.support.queries import audit_entries

CHAT = 8801


async def checkins(db: Database, patient_id: int, clock: FakeClock, pains: list[str]) -> None:
    """One completed check-in a day, with its pain (and, for the last, the wound too)."""
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        for day, pain in enumerate(pains, start=1):
            at = clock.now() + timedelta(days=day)
            checkin = CheckIn(
                patient_id=patient_id, post_op_day=day, started_at=at, completed_at=at, tier="green"
            )
            uow.session.add(checkin)
            await uow.session.flush()
            uow.session.add(
                CheckInAnswer(
                    checkin_id=checkin.id, question="legpain", answer=pain, answered_at=at
                )
            )
        uow.session.add(
            CheckInAnswer(checkin_id=checkin.id, question="wound", answer="dry", answered_at=at)
        )
        for kind in (ItemKind.PAUSE, ItemKind.RESUME, ItemKind.STOP):
            conversation.record_event(uow.session, patient=patient, kind=kind, now=at)
        await uow.commit()


async def test_the_summary_holds_the_last_check_ins_and_items_and_the_look_is_audited(
    db: Database, clock: FakeClock
) -> None:
    patient_id = await add_patient(db, "P-SUM01", now=clock.now(), chat_id=CHAT)
    await checkins(db, patient_id, clock, ["2", "5", "3"])
    clock.advance(timedelta(days=4))

    found = await look_up(
        db,
        clock,
        code="P-SUM01",
        actor="telegram:9001",
        questionnaire=None,
        pain_rows=2,
        recent=2,
    )

    assert found is not None
    assert found.patient.code == "P-SUM01"
    assert found.day == 4  # surgery on 2026-11-20, now 2026-11-24 in Seoul
    assert [(row["post_op_day"], row["legpain"]) for row in found.checkins] == [(2, "5"), (3, "3")]
    assert found.last_answers == [("legpain", "3"), ("wound", "dry")]
    assert [item.kind for item in found.recent] == [ItemKind.STOP, ItemKind.RESUME]
    assert sum(found.deliveries.values()) == 0
    assert (found.alerts, found.outcomes) == ([], [])
    viewed = await audit_entries(db, "patient.viewed")
    assert [(a.actor, a.subject) for a in viewed] == [("telegram:9001", "P-SUM01")]


async def test_an_unknown_code_finds_nothing_and_audits_nothing(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-SUM02", now=clock.now(), chat_id=CHAT)

    found = await look_up(
        db,
        clock,
        code="P-NOBODY",
        actor="telegram:9001",
        questionnaire=None,
        pain_rows=10,
        recent=5,
    )

    assert found is None
    assert await audit_entries(db, "patient.viewed") == []


async def test_the_command_lines_json_and_list_show_the_patient_and_the_look_is_audited(
    db: Database, clock: FakeClock
) -> None:
    await add_patient(db, "P-JSON01", now=clock.now(), chat_id=8501)

    shown = await as_json(db, clock, "P-JSON01", actor="cli", questionnaire=None)

    assert (shown["patient_code"], shown["status"], shown["registered"]) == (
        "P-JSON01",
        "active",
        True,
    )
    assert [row["patient_code"] for row in await listing(db)] == ["P-JSON01"]
    [viewed] = await audit_entries(db, "patient.viewed")
    assert (viewed.actor, viewed.subject) == ("cli", "P-JSON01")
    with pytest.raises(NotFound):
        await as_json(db, clock, "P-NONE00", actor="cli", questionnaire=None)
