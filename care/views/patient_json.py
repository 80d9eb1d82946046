"""A patient as the command line shows it: a stable JSON shape that scripts read."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import utc_from_db
from care.domain.questionnaires import Questionnaire
from care.storage import checkins, schedule
from care.storage.models import CheckIn, Patient


async def patient_json(
    session: AsyncSession,
    patient: Patient,
    *,
    upcoming: int = 10,
    questionnaire: Questionnaire | None = None,
) -> dict[str, Any]:
    """``spinecare patient show --json``: keys documented in the README; keep them stable."""
    zone = ZoneInfo(patient.timezone)
    rows = await schedule.upcoming(session, patient.id, limit=upcoming)
    outcomes = (
        await checkins.questionnaire_results(session, patient, questionnaire)
        if questionnaire
        else []
    )
    last_checkin = utc_from_db(
        await session.scalar(
            select(func.max(CheckIn.completed_at)).where(CheckIn.patient_id == patient.id)
        )
    )
    return {
        "patient_code": patient.code,
        "status": patient.status.value,
        "language": patient.language,
        "timezone": patient.timezone,
        "surgery_date": patient.surgery_date.isoformat() if patient.surgery_date else None,
        "approach": patient.approach.value if patient.approach else None,
        "level": patient.level,
        "waking_window": {
            "start": f"{patient.waking_start:%H:%M}",
            "end": f"{patient.waking_end:%H:%M}",
        },
        "paused_until": patient.paused_until.isoformat() if patient.paused_until else None,
        "registered": patient.consented_at is not None,
        "last_checkin": last_checkin.isoformat() if last_checkin else None,
        "upcoming": [
            {
                "kind": row.kind,
                "due_at": row.due_at.isoformat().replace("+00:00", "Z"),
                "local_time": row.due_at.astimezone(zone).isoformat(),
                "payload": row.payload_key,
            }
            for row in rows
        ],
        "questionnaires": outcomes,
    }


def patient_line(patient: Patient) -> dict[str, Any]:
    """One row of ``spinecare patient list --json``."""
    return {
        "patient_code": patient.code,
        "status": patient.status.value,
        "surgery_date": patient.surgery_date.isoformat() if patient.surgery_date else None,
        "approach": patient.approach.value if patient.approach else None,
        "language": patient.language,
    }
