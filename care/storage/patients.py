"""Patients: look-ups and the status changes people ask for, each audited.

Status: invited -> active <-> paused; active|paused -> stopped; any -> unreachable (the bot
was blocked) or deleted. Changes that affect what is sent update the pending schedule.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.codes import normalise_patient_code
from care.domain.errors import InvalidInput, NotFound
from care.domain.kinds import AlertSource, ItemKind
from care.domain.pathway import Pathway
from care.domain.plan import LANGUAGES, window
from care.storage import alerts, audit, conversation, schedule
from care.storage.models import Alert, Patient, PatientStatus

MAX_PAUSE_DAYS = 30
LIVE = (PatientStatus.ACTIVE, PatientStatus.PAUSED, PatientStatus.INVITED)


async def by_chat(session: AsyncSession, chat_id: int, *, lock: bool = False) -> Patient | None:
    """The patient linked to a chat. ``lock`` holds their row until commit (PostgreSQL), so a
    double tap's two updates, handled concurrently, take turns instead of colliding."""
    query = select(Patient).where(Patient.chat_id == chat_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def by_code(session: AsyncSession, code: str) -> Patient:
    wanted = normalise_patient_code(code)
    if len(wanted) > 16 or not wanted.isprintable():  # no code looks like this (NUL included)
        raise NotFound(f"no patient {wanted[:16]!r}")
    patient = await session.scalar(select(Patient).where(Patient.code == wanted))
    if patient is None:
        raise NotFound(f"no patient {normalise_patient_code(code)}")
    return patient


async def all_patients(session: AsyncSession) -> list[Patient]:
    return list((await session.scalars(select(Patient).order_by(Patient.created_at))).all())


def local_today(patient: Patient, now: datetime) -> date:
    return now.astimezone(ZoneInfo(patient.timezone)).date()


def post_op_day(patient: Patient, now: datetime) -> int | None:
    if patient.surgery_date is None:
        return None
    return (local_today(patient, now) - patient.surgery_date).days


def _actor(patient: Patient) -> str:
    return f"patient:{patient.code}"


async def choose_language(
    session: AsyncSession, patient: Patient, language: str, *, now: datetime
) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    patient.language = language
    patient.updated_at = now
    audit.record(
        session,
        at=now,
        actor=_actor(patient),
        action="patient.language",
        subject=patient.code,
        language=language,
    )


async def confirm_surgery_date(
    session: AsyncSession, patient: Patient, confirmed: bool, *, now: datetime
) -> None:
    """A date the patient calls wrong is kept for now; the audit log flags it for the team."""
    action = "patient.surgery_date_confirmed" if confirmed else "patient.surgery_date_disputed"
    audit.record(session, at=now, actor=_actor(patient), action=action, subject=patient.code)


async def choose_window(
    session: AsyncSession, patient: Patient, window_id: str, *, now: datetime, pathway: Pathway
) -> None:
    patient.waking_start, patient.waking_end = window(window_id)
    patient.updated_at = now
    audit.record(
        session,
        at=now,
        actor=_actor(patient),
        action="patient.window",
        subject=patient.code,
        window=window_id,
    )
    if patient.status == PatientStatus.ACTIVE:
        await schedule.reschedule(session, patient, pathway, now=now)


async def activate(
    session: AsyncSession, patient: Patient, *, now: datetime, pathway: Pathway
) -> None:
    """Registration finished: the plan starts."""
    if patient.status == PatientStatus.ACTIVE:
        return
    patient.status = PatientStatus.ACTIVE
    patient.updated_at = now
    audit.record(
        session, at=now, actor=_actor(patient), action="patient.activated", subject=patient.code
    )
    await schedule.extend_schedule(session, patient, pathway, now=now)


async def pause(
    session: AsyncSession, patient: Patient, days: int, *, now: datetime, actor: str | None = None
) -> date:
    """No scheduled messages until the returned local date; the patient can still write."""
    if not 1 <= days <= MAX_PAUSE_DAYS:
        raise InvalidInput(f"pause for 1 to {MAX_PAUSE_DAYS} days")
    _require(patient, PatientStatus.ACTIVE, PatientStatus.PAUSED)
    until = local_today(patient, now) + timedelta(days=days)
    patient.status = PatientStatus.PAUSED
    patient.paused_until = until
    patient.updated_at = now
    await schedule.cancel_pending(session, patient.id, now=now, reason="paused")
    audit.record(
        session,
        at=now,
        actor=actor or _actor(patient),
        action="patient.paused",
        subject=patient.code,
        days=days,
    )
    return until


async def resume(
    session: AsyncSession,
    patient: Patient,
    *,
    now: datetime,
    pathway: Pathway,
    actor: str | None = None,
) -> None:
    _require(patient, PatientStatus.PAUSED, PatientStatus.STOPPED, PatientStatus.ACTIVE)
    patient.status = PatientStatus.ACTIVE
    patient.paused_until = None
    patient.updated_at = now
    audit.record(
        session,
        at=now,
        actor=actor or _actor(patient),
        action="patient.resumed",
        subject=patient.code,
    )
    await schedule.reschedule(session, patient, pathway, now=now)


async def resume_due(session: AsyncSession, *, now: datetime, pathway: Pathway) -> int:
    """Resume patients whose pause has run out (a periodic job calls this)."""
    paused = (
        await session.scalars(select(Patient).where(Patient.status == PatientStatus.PAUSED))
    ).all()
    resumed = 0
    for patient in paused:
        if patient.paused_until is not None and patient.paused_until <= local_today(patient, now):
            await resume(session, patient, now=now, pathway=pathway, actor="system")
            resumed += 1
    return resumed


async def stop(
    session: AsyncSession, patient: Patient, *, now: datetime, actor: str | None = None
) -> None:
    """No more messages; the record stays for the care team."""
    patient.status = PatientStatus.STOPPED
    patient.updated_at = now
    await schedule.cancel_pending(session, patient.id, now=now, reason="stopped")
    audit.record(
        session,
        at=now,
        actor=actor or _actor(patient),
        action="patient.stopped",
        subject=patient.code,
    )


async def mark_unreachable(
    session: AsyncSession,
    patient: Patient,
    *,
    now: datetime,
    reason: str,
    realert: timedelta = alerts.DEFAULT_REALERT,
) -> Alert | None:
    """The bot can no longer reach the patient (blocked, chat gone): a safety matter.

    Pending messages are cancelled, an active or paused patient becomes unreachable, and a
    red alert asks the coordinators to phone. None for a patient who stopped or was deleted.
    """
    await schedule.cancel_pending(session, patient.id, now=now, reason="unreachable")
    if patient.status in (PatientStatus.STOPPED, PatientStatus.DELETED):
        return None
    if patient.status != PatientStatus.UNREACHABLE:
        patient.status = PatientStatus.UNREACHABLE
        patient.updated_at = now
        audit.record(
            session,
            at=now,
            actor="system",
            action="patient.unreachable",
            subject=patient.code,
            reason=reason,
        )
        conversation.record_event(session, patient=patient, kind=ItemKind.UNREACHABLE, now=now)
    return await alerts.open_alert(
        session,
        patient=patient,
        severity="red",
        source=AlertSource.UNREACHABLE,
        reasons=[reason],
        now=now,
        realert=realert,
    )


async def reachable_again(
    session: AsyncSession, patient: Patient, *, now: datetime, pathway: Pathway
) -> bool:
    """The patient unblocked the bot: the plan starts again from now. False if not unreachable."""
    if patient.status != PatientStatus.UNREACHABLE:
        return False
    patient.status = PatientStatus.ACTIVE
    patient.updated_at = now
    audit.record(
        session, at=now, actor=_actor(patient), action="patient.reachable", subject=patient.code
    )
    await schedule.reschedule(session, patient, pathway, now=now)
    return True


def _require(patient: Patient, *allowed: PatientStatus) -> None:
    if patient.status not in allowed:
        raise InvalidInput(f"not possible while the patient is {patient.status.value}")
