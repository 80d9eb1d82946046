"""Enrolment by invite, and consent-first registration.

A coordinator enrols a patient (a record and a single-use invite). The patient opens the
link: the invite is checked and the chat remembered only as the one being asked for consent.
Consent is two explicit choices, each to its own text: to the service, then to health data
(sensitive data under Korea's privacy law). Only both together link the chat to the patient
and use the invite up, storing each version and time; declining either forgets the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.codes import hash_invite, looks_like_invite, new_invite_code, new_patient_code
from care.domain.errors import InviteRejected, NotAllowed
from care.domain.plan import EnrollmentRequest
from care.storage import audit
from care.storage.models import Invite, Patient, PatientStatus

CONSENT_VERSION = "2026-12-v2"  # the service text (reg.consent)
HEALTH_CONSENT_VERSION = "2026-12-v1"  # the health-data text (consent.health)


@dataclass(frozen=True)
class Enrollment:
    patient_code: str
    invite_code: str
    expires_at: datetime


async def enroll(
    session: AsyncSession,
    request: EnrollmentRequest,
    *,
    actor: str,
    now: datetime,
    ttl: timedelta,
    window: tuple[time, time],
) -> Enrollment:
    """Create the patient record and a single-use invite; the invite code is returned once."""
    start, end = window
    patient = Patient(
        code=await _unused_patient_code(session),
        display_name=request.display_name,
        phone=request.phone,
        language=request.language,
        timezone=request.timezone,
        surgery_date=request.surgery_date,
        approach=request.approach,
        level=request.level,
        status=PatientStatus.INVITED,
        waking_start=start,
        waking_end=end,
        created_at=now,
        updated_at=now,
    )
    session.add(patient)
    await session.flush()
    code = new_invite_code()
    invite = Invite(
        code_hash=hash_invite(code),
        patient_id=patient.id,
        created_by=actor,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    audit.record(session, at=now, actor=actor, action="patient.enrolled", subject=patient.code)
    return Enrollment(patient.code, code, invite.expires_at)


async def new_invite(
    session: AsyncSession, patient: Patient, *, actor: str, now: datetime, ttl: timedelta
) -> str:
    """A fresh invite for an existing patient (lost link, new phone); older ones stop working."""
    for old in (await session.scalars(select(Invite).where(Invite.patient_id == patient.id))).all():
        if old.used_at is None:
            old.expires_at = min(old.expires_at, now)
    code = new_invite_code()
    session.add(
        Invite(
            code_hash=hash_invite(code),
            patient_id=patient.id,
            created_by=actor,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    audit.record(session, at=now, actor=actor, action="invite.reissued", subject=patient.code)
    return code


async def open_invite(session: AsyncSession, code: str, *, chat_id: int, now: datetime) -> Patient:
    """The link was opened: check the invite and remember which chat is being asked for consent.

    Raises InviteRejected for an unknown, used or expired code (without saying which), and
    NotAllowed when this Telegram account already belongs to another patient.
    """
    invite = await _valid_invite(session, code, now=now)
    patient = await session.get_one(Patient, invite.patient_id)
    linked = await session.scalar(select(Patient).where(Patient.chat_id == chat_id))
    if linked is not None and linked.id != patient.id:
        audit.record(
            session,
            at=now,
            actor=f"patient:{linked.code}",
            action="invite.refused_linked_account",
            subject=patient.code,
        )
        raise NotAllowed("this Telegram account is already registered for another patient")
    invite.pending_chat_id = chat_id
    return patient


async def open_consent(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    """The service consent was given: the chat's invite must still be open (nothing stored
    yet: the health-data consent comes next)."""
    await _pending_invite(session, chat_id=chat_id, now=now)


async def _pending_invite(session: AsyncSession, *, chat_id: int, now: datetime) -> Invite:
    invite = await session.scalar(
        select(Invite)
        .where(Invite.pending_chat_id == chat_id, Invite.used_at.is_(None))
        .order_by(Invite.created_at.desc())
        .limit(1)
    )
    if invite is None or invite.expires_at <= now:
        raise InviteRejected("no open invite for this chat")
    return invite


async def give_consent(session: AsyncSession, *, chat_id: int, now: datetime) -> Patient:
    """Both consents given: link the chat, use the invite up, store each version and time."""
    invite = await _pending_invite(session, chat_id=chat_id, now=now)
    patient = await session.get_one(Patient, invite.patient_id)
    invite.used_at = now
    invite.pending_chat_id = None
    patient.chat_id = chat_id
    patient.consent_version = CONSENT_VERSION
    patient.consented_at = now
    patient.health_consent_version = HEALTH_CONSENT_VERSION
    patient.health_consented_at = now
    patient.updated_at = now
    audit.record(
        session,
        at=now,
        actor=f"patient:{patient.code}",
        action="patient.consented",
        subject=patient.code,
        consent_version=CONSENT_VERSION,
        health_consent_version=HEALTH_CONSENT_VERSION,
    )
    return patient


async def decline_consent(session: AsyncSession, *, chat_id: int) -> None:
    """Either consent declined: forget the chat (nothing about the person is stored); the
    invite stays usable until it expires."""
    invites = await session.scalars(select(Invite).where(Invite.pending_chat_id == chat_id))
    for invite in invites.all():
        invite.pending_chat_id = None


async def _valid_invite(session: AsyncSession, code: str, *, now: datetime) -> Invite:
    if not looks_like_invite(code):
        raise InviteRejected("invite code malformed")
    invite = await session.scalar(select(Invite).where(Invite.code_hash == hash_invite(code)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InviteRejected("invite unknown, used or expired")
    return invite


async def _unused_patient_code(session: AsyncSession) -> str:
    while True:
        code = new_patient_code()
        if await session.scalar(select(Patient.id).where(Patient.code == code)) is None:
            return code
