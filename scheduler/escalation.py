"""Post due alerts to the care team, and re-post unacknowledged red ones.

An open alert is posted to the coordinators' chat; a red one still open ``realert`` later is
posted there again, and ``realert`` after that to the escalation contacts (the coordinators'
chat again when no escalation chat is set). Amber alerts are posted once. Each post records
Telegram's message id and the escalation level (care.alerts.record_posted).

Alert rows are locked while they are posted (FOR UPDATE SKIP LOCKED on PostgreSQL), so two
workers never post the same alert at the same level.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog

from care.alert_context import alert_context
from care.alerts import DEFAULT_REALERT, due_notifications, record_posted
from care.clock import Clock
from care.db import Database
from care.messaging import Messenger, Outcome
from care.models import Patient
from messages.catalog import Catalog, load_catalog
from scheduler.render import render_alert

log = structlog.get_logger(__name__)

ESCALATION_LEVEL = 3  # the level that goes to the escalation contacts


class Escalator:
    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        clock: Clock,
        *,
        coordinator_chat_id: int | None,
        escalation_chat_id: int | None = None,
        realert: timedelta = DEFAULT_REALERT,
        language: str = "ko",
        catalog: Catalog | None = None,
        batch: int = 20,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.clock = clock
        self.coordinator_chat_id = coordinator_chat_id
        self.escalation_chat_id = escalation_chat_id
        self.realert = realert
        self.language = language
        self.catalog = catalog or load_catalog()
        self.batch = batch
        self._lock = asyncio.Lock()  # the dispatcher and the periodic job share one escalator
        self._warned = False

    async def run_once(self) -> int:
        """Post every alert that is due now; return how many posts went out."""
        if self.coordinator_chat_id is None:
            if not self._warned:
                log.error(
                    "alerts_unposted", action="escalate.no_chat", reason="no coordinator chat"
                )
                self._warned = True
            return 0
        async with self._lock, self.db.uow() as uow:
            now = self.clock.now()
            alerts = await due_notifications(uow.session, now=now, limit=self.batch)
            posted = 0
            for alert in alerts:
                patient = await uow.session.get(Patient, alert.patient_id)
                if patient is None:
                    continue
                level = min(alert.escalation_level + 1, ESCALATION_LEVEL)
                chat_id = self._chat_for(level)
                context = await alert_context(uow.session, alert, patient, now)
                outgoing = render_alert(
                    alert,
                    self.catalog,
                    language=self.language,
                    chat_id=chat_id,
                    patient_code=patient.code,
                    post_op_day=post_op_day(patient, now),
                    approach=patient.approach.value if patient.approach else None,
                    level=level,
                    now=now,
                    context=context,
                )
                delivery = await self.messenger.send(outgoing)
                if delivery.outcome != Outcome.SENT:
                    log.warning(
                        "alert_post_failed",
                        action="escalate.failed",
                        alert_id=alert.id,
                        outcome=delivery.outcome.value,
                        error_code=delivery.error_code,
                    )
                    if delivery.outcome == Outcome.RETRY_LATER:
                        break
                    continue
                record_posted(
                    uow.session,
                    alert,
                    telegram_message_id=delivery.message_id,
                    now=now,
                    realert=self.realert,
                )
                posted += 1
                log.info(
                    "alert_posted",
                    action="escalate.posted",
                    alert_id=alert.id,
                    patient_id=alert.patient_id,
                    severity=alert.severity,
                    level=level,
                    telegram_message_id=delivery.message_id,
                )
            await uow.commit()
            return posted

    def _chat_for(self, level: int) -> int:
        assert self.coordinator_chat_id is not None
        if level >= ESCALATION_LEVEL and self.escalation_chat_id is not None:
            return self.escalation_chat_id
        return self.coordinator_chat_id


def post_op_day(patient: Patient, now: datetime) -> int | None:
    if patient.surgery_date is None:
        return None
    return (now.astimezone(ZoneInfo(patient.timezone)).date() - patient.surgery_date).days
