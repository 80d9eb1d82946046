"""Enrol a patient: a record, a single-use invite and the deep link the patient opens.

One use case for ``spinecare enroll`` and the coordinators' ``/enroll``: the caller parses
its own input into an ``EnrollmentRequest`` and shows the returned ``Enrolled``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from care.domain.clock import Clock
from care.domain.plan import EnrollmentRequest
from care.storage import enrollment
from care.storage.db import Database


@dataclass(frozen=True)
class Enrolled:
    """What the coordinator hands the patient; the invite code is shown this once only."""

    patient_code: str
    invite_code: str
    link: str
    expires_at: datetime


@dataclass(frozen=True)
class EnrolmentPolicy:
    """How long an invite lasts and the waking window a new patient starts with."""

    invite_ttl: timedelta
    window: tuple[time, time]


def invite_link(bot_username: str, invite_code: str) -> str:
    """The Telegram deep link that opens the bot with the invite (``/start CODE``)."""
    return f"https://t.me/{bot_username}?start={invite_code}"


async def enrol(
    db: Database,
    clock: Clock,
    request: EnrollmentRequest,
    *,
    policy: EnrolmentPolicy,
    bot_username: str,
    actor: str,
) -> Enrolled:
    """Create the patient and the invite in one unit of work (audited as ``patient.enrolled``)."""
    async with db.uow() as uow:
        result = await enrollment.enroll(
            uow.session,
            request,
            actor=actor,
            now=clock.now(),
            ttl=policy.invite_ttl,
            window=policy.window,
        )
        await uow.commit()
    return Enrolled(
        patient_code=result.patient_code,
        invite_code=result.invite_code,
        link=invite_link(bot_username, result.invite_code),
        expires_at=result.expires_at,
    )
