"""A coordinator's /patient CODE: everything the summary shows, read in one unit of work, and
the look audited.

The caller (bot/coordinator_commands.py) renders the summary after the commit. Nothing here
talks to Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from care.domain.clock import Clock
from care.domain.errors import NotFound
from care.domain.questionnaires import Questionnaire
from care.storage import audit, conversation, patients
from care.storage import checkins as checkins_store
from care.storage.db import Database
from care.storage.models import ConversationItem, Patient
from care.views import exports
from care.views.patient_json import patient_json, patient_line


@dataclass(frozen=True)
class PatientSummary:
    patient: Patient
    day: int | None  # the post-operative day now
    checkins: list[dict[str, Any]]  # the last ``pain_rows`` check-ins, oldest first
    alerts: list[dict[str, Any]]  # the last five alerts, newest first
    deliveries: dict[str, int]  # scheduled messages by state
    outcomes: list[dict[str, object]]  # the questionnaire's results (none without one)
    recent: list[ConversationItem]  # the last ``recent`` items both ways, newest first
    last_answers: list[tuple[str, str]]  # the latest check-in's answers, in order


async def look_up(
    db: Database,
    clock: Clock,
    *,
    code: str,
    actor: str,
    questionnaire: Questionnaire | None,
    pain_rows: int,
    recent: int,
) -> PatientSummary | None:
    """The summary of the patient with ``code``, None when there is none (nothing audited)."""
    now = clock.now()
    async with db.uow() as uow:
        session = uow.session
        try:
            patient = await patients.by_code(session, code)
        except NotFound:
            return None
        checkins = await exports.checkin_rows(
            session, patient_id=patient.id, limit=pain_rows, newest_first=True
        )
        alerts = await exports.alert_rows(
            session, patient_id=patient.id, limit=5, newest_first=True
        )
        deliveries = await exports.delivery_counts(session, patient.id)
        outcomes = (
            await checkins_store.questionnaire_results(session, patient, questionnaire)
            if questionnaire
            else []
        )
        items = await conversation.recent(session, patient, limit=recent)
        answers = await conversation.last_checkin_answers(session, patient)
        audit.record(session, at=now, actor=actor, action="patient.viewed", subject=patient.code)
        await uow.commit()
    return PatientSummary(
        patient,
        patients.post_op_day(patient, now),
        list(reversed(checkins)),
        alerts,
        deliveries,
        outcomes,
        items,
        answers,
    )


async def as_json(
    db: Database, clock: Clock, code: str, *, actor: str, questionnaire: Questionnaire | None
) -> dict[str, Any]:
    """``spinecare patient show --json`` (NotFound for an unknown code); the view is audited."""
    async with db.uow() as uow:
        patient = await patients.by_code(uow.session, code)
        shown = await patient_json(uow.session, patient, questionnaire=questionnaire)
        audit.record(
            uow.session, at=clock.now(), actor=actor, action="patient.viewed", subject=patient.code
        )
        await uow.commit()
    return shown


async def listing(db: Database) -> list[dict[str, Any]]:
    """``spinecare patient list``: every patient's code, status, date, approach, language."""
    async with db.uow() as uow:
        return [patient_line(p) for p in await patients.all_patients(uow.session)]
