"""A coordinator has an alert: "Acknowledge" (stop re-escalating) or "Called patient".

One use case for the alert buttons and any other adapter. Each call owns its unit of work
and returns what the adapter needs to render after the commit: who to tell, in which
language. None when the alert is not open to this change (already handled, or unknown).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from care.domain.clock import Clock
from care.storage import alerts
from care.storage.db import Database
from care.storage.models import Patient


class Handling(enum.StrEnum):
    ACKNOWLEDGE = "ack"
    CALLED = "called"


@dataclass(frozen=True)
class Handled:
    alert_id: int
    how: Handling
    at: datetime
    patient_chat_id: int | None
    patient_language: str


async def handle(
    db: Database, clock: Clock, alert_id: int, how: Handling, *, by_user: int
) -> Handled | None:
    """Record who acknowledged (or called) and when; re-escalation stops."""
    change = alerts.acknowledge if how is Handling.ACKNOWLEDGE else alerts.mark_called
    now = clock.now()
    async with db.uow() as uow:
        alert = await change(uow.session, alert_id, by_user=by_user, now=now)
        if alert is None:
            return None
        patient = await uow.session.get_one(Patient, alert.patient_id)
        await uow.commit()
    return Handled(alert.id, how, now, patient.chat_id, patient.language)
