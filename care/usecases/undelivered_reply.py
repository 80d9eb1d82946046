"""The answer to a warning sign could not be delivered: the care team is told at once.

A red or amber free-text message opens an alert that waits (``awaiting``) for the patient's
yes or no to a follow-up question. If that question, with its advice, never reached the
patient (Telegram kept refusing, the network failed), nobody would answer it and the alert
would wait the full 10 minutes. It opens now instead: the reader decides how urgent a message
is, never whether a person sees it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from care.storage import audit
from care.storage.alerts import DEFAULT_REALERT
from care.storage.db import Database
from care.storage.models import Alert, AlertState

log = structlog.get_logger(__name__)

REASON = "reply_undelivered"


async def open_alert_now(
    db: Database, alert_id: int, *, now: datetime, realert: timedelta = DEFAULT_REALERT
) -> bool:
    """Open the awaiting alert at once; False if it is no longer awaiting (answered meanwhile)."""
    async with db.uow() as uow:
        alert = await uow.session.get(Alert, alert_id, with_for_update=True)
        if alert is None or alert.state != AlertState.AWAITING:
            return False
        alert.state = AlertState.OPEN
        alert.escalation_level = 0
        alert.next_escalation_at = now + realert if alert.severity == "red" else None
        alert.reasons = [*alert.reasons, REASON]
        audit.record(
            uow.session,
            at=now,
            actor="system",
            action="followup.reply_undelivered",
            subject=f"alert:{alert.id}",
            patient_id=alert.patient_id,
            severity=alert.severity,
        )
        await uow.commit()
    log.warning(
        "alert_opened_reply_undelivered",
        action="free_text.reply_undelivered",
        alert_id=alert_id,
        severity=alert.severity,
    )
    return True
