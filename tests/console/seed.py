"""Patients and their history for the console tests, made the way the bot makes them."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from care.storage import alerts, patients
from care.storage.models import CheckIn, CheckInAnswer
from tests.e2e.conftest import Harness
from tests.e2e.flows import register


async def red_message(harness: Harness, user: int, name: str) -> str:
    """A registered patient states a red sign: advised at once, and a red alert is open."""
    code = await register(harness, user, language="en", name=name)
    sent = await harness.sandbox.send_text(user, "I can't pee and it's numb down there")
    await harness.sandbox.wait_for_message(user, "119", after_message_id=sent["message_id"])
    return code


async def amber_alert(harness: Harness, user: int, name: str) -> str:
    """A registered patient with an open amber alert (two check-ins missed)."""
    code = await register(harness, user, language="en", name=name)
    async with harness.running.db.uow() as uow:
        patient = await patients.by_code(uow.session, code)
        await alerts.open_alert(
            uow.session,
            patient=patient,
            severity="amber",
            source="missed_checkins",
            reasons=["two_missed_checkins"],
            now=harness.clock.now(),
        )
        await uow.commit()
    return code


async def checkins(harness: Harness, code: str, values: dict[int, tuple[int, int]]) -> None:
    """Completed check-ins: post-op day -> (leg pain, back pain), the other answers calm."""
    async with harness.running.db.uow() as uow:
        patient = await patients.by_code(uow.session, code)
        assert patient.surgery_date is not None
        for day, (leg, back) in sorted(values.items()):
            evening = datetime.combine(patient.surgery_date + timedelta(days=day), time(19, 30))
            at = evening.replace(tzinfo=ZoneInfo(patient.timezone)).astimezone(UTC)
            checkin = CheckIn(
                patient_id=patient.id, post_op_day=day, started_at=at, completed_at=at, tier="green"
            )
            uow.session.add(checkin)
            await uow.session.flush()
            answers = {"legpain": str(leg), "backpain": str(back), "numb": "bet", "fever": "no"}
            for question, answer in answers.items():
                uow.session.add(
                    CheckInAnswer(
                        checkin_id=checkin.id, question=question, answer=answer, answered_at=at
                    )
                )
        await uow.commit()


async def register_only(harness: Harness, user: int, name: str) -> str:
    return await register(harness, user, language="en", name=name)


async def post_op_day(harness: Harness, user: int) -> int:
    async with harness.running.db.uow() as uow:
        patient = await patients.by_chat(uow.session, user)
        assert patient is not None
        day = patients.post_op_day(patient, harness.clock.now())
    assert day is not None
    return day
