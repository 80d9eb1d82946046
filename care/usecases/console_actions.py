"""What a coordinator does in the web console: the bot's own steps, with the console's actor.

Each function owns its unit of work and returns what the console needs to show (and, for an
acknowledgement, whom to tell after the commit: no message is sent inside a transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from care.domain.errors import InvalidInput
from care.domain.pathway import Pathway
from care.storage import alerts, patients
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus
from care.usecases.patient_status import Change

AlertAction = Literal["ack", "called"]
PAUSE_DAYS_DEFAULT = 7


@dataclass(frozen=True)
class AlertChange:
    """An alert a coordinator acknowledged or called; ``tell_chat`` is the patient to tell
    that a nurse has it (acknowledgements of a patient with a chat only)."""

    alert_id: int
    patient_code: str
    state: str
    tell_chat: int | None
    tell_language: str


async def handle_alert(
    db: Database, alert_id: int, action: AlertAction, *, coordinator_id: int, now: datetime
) -> AlertChange | None:
    """Acknowledge or record the call, as the alert's buttons do; None when nothing changed
    (no such alert, or someone already handled it)."""
    change = alerts.acknowledge if action == "ack" else alerts.mark_called
    async with db.uow() as uow:
        alert = await change(uow.session, alert_id, by_user=coordinator_id, now=now)
        if alert is None:
            return None
        patient = await uow.session.get_one(Patient, alert.patient_id)
        await uow.commit()
    tell = action == "ack" and patient.status != PatientStatus.DELETED
    return AlertChange(
        alert.id,
        patient.code,
        alert.state.value,
        patient.chat_id if tell else None,
        patient.language,
    )


async def change_status(
    db: Database,
    code: str,
    action: Change,
    *,
    actor: str,
    now: datetime,
    pathway: Pathway,
    days: int = PAUSE_DAYS_DEFAULT,
) -> str:
    """Pause (for ``days``), resume or stop a patient's plan; returns the new status.

    NotFound for an unknown code; InvalidInput when the patient's state does not allow it.
    """
    async with db.uow() as uow:
        patient = await patients.by_code(uow.session, code)
        if action is Change.PAUSE:
            await patients.pause(uow.session, patient, days, now=now, actor=actor)
        elif action is Change.RESUME:
            await patients.resume(uow.session, patient, now=now, pathway=pathway, actor=actor)
        else:
            if patient.status not in (PatientStatus.ACTIVE, PatientStatus.PAUSED):
                raise InvalidInput(f"not possible while the patient is {patient.status.value}")
            await patients.stop(uow.session, patient, now=now, actor=actor)
        await uow.commit()
        return patient.status.value
