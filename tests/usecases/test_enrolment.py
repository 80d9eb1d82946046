"""Enrolment, called alike by ``spinecare enroll`` and /enroll: code, invite, link, expiry."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.plan import Approach, EnrollmentRequest
from care.storage import enrollment
from care.storage.db import Database
from care.storage.models import AuditEntry, Invite, Patient, PatientStatus
from care.usecases.enrolment import EnrolmentPolicy, enrol, invite_link

POLICY = EnrolmentPolicy(invite_ttl=timedelta(days=14), window=(time(9, 0), time(20, 0)))


def request(phone: str | None = None) -> EnrollmentRequest:
    return EnrollmentRequest(
        surgery_date=date(2026, 11, 20),
        approach=Approach.TRANSFORAMINAL,
        level="L4-5",
        language="ko",
        timezone="Asia/Seoul",
        display_name=None,
        phone=phone,
    )


async def test_enrolment_stores_the_patient_and_returns_a_working_invite_link(
    db: Database, clock: FakeClock
) -> None:
    enrolled = await enrol(
        db, clock, request("010-1234-5678"), policy=POLICY, bot_username="care_bot", actor="cli"
    )

    assert enrolled.link == f"https://t.me/care_bot?start={enrolled.invite_code}"
    assert enrolled.expires_at == clock.now() + timedelta(days=14)
    async with db.uow() as uow:
        patient = await uow.session.scalar(
            select(Patient).where(Patient.code == enrolled.patient_code)
        )
        assert patient is not None
        assert (patient.status, patient.phone) == (PatientStatus.INVITED, "010-1234-5678")
        assert (patient.waking_start, patient.waking_end) == POLICY.window
        assert len((await uow.session.scalars(select(Invite))).all()) == 1
        audit = (await uow.session.scalars(select(AuditEntry))).all()
        assert [(a.action, a.actor, a.subject) for a in audit] == [
            ("patient.enrolled", "cli", enrolled.patient_code)
        ]
        # the link's code is the one the registration accepts
        opened = await enrollment.open_invite(
            uow.session, enrolled.invite_code, chat_id=5001, now=clock.now()
        )
        assert opened.id == patient.id


async def test_two_enrolments_give_two_patients_and_two_different_invites(
    db: Database, clock: FakeClock
) -> None:
    first = await enrol(db, clock, request(), policy=POLICY, bot_username="b", actor="cli")
    second = await enrol(db, clock, request(), policy=POLICY, bot_username="b", actor="cli")
    assert first.patient_code != second.patient_code
    assert first.invite_code != second.invite_code


def test_the_invite_link_is_a_telegram_deep_link_to_start() -> None:
    assert invite_link("spinecare_bot", "ABC123") == "https://t.me/spinecare_bot?start=ABC123"
