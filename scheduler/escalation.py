"""Post due alerts to the care team, and re-post unacknowledged red ones.

An open alert is posted to the coordinators' chat; a red one still open ``realert`` later is
posted there again, and ``realert`` after that to the escalation contacts (the coordinators'
chat again when no escalation chat is set). Amber alerts are posted once. Each post records
Telegram's message id and the escalation level (care.storage.alerts.record_posted).

Each post is claimed (a short transaction with a lease), sent with no transaction open, and
recorded (another short transaction): care/storage/alert_posting.py and scheduler/posting.py. Two
live workers never post the same alert at the same level; a dead worker's claim runs out.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import Clock
from care.domain.messaging import Delivery, Messenger, Outcome, OutgoingMessage
from care.storage import alert_posting
from care.storage.alert_posting import POST_LEASE, ClaimedPost
from care.storage.alerts import DEFAULT_REALERT
from care.storage.db import Database
from care.storage.models import Patient
from care.views.alert_context import alert_context
from messages.catalog import Catalog
from scheduler.posting import claim_send_record
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
        catalog: Catalog,
        coordinator_chat_id: int | None,
        escalation_chat_id: int | None = None,
        realert: timedelta = DEFAULT_REALERT,
        language: str = "ko",
        batch: int = 20,
        worker_id: str | None = None,
        lease: timedelta = POST_LEASE,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.clock = clock
        self.coordinator_chat_id = coordinator_chat_id
        self.escalation_chat_id = escalation_chat_id
        self.realert = realert
        self.language = language
        self.catalog = catalog
        self.batch = batch
        self.worker_id = worker_id or f"escalator:{secrets.token_hex(4)}"
        self.lease = lease
        self._failed: set[int] = set()
        self._lock = asyncio.Lock()  # the dispatcher and the periodic job share one escalator
        self._warned = False

    async def run_once(self) -> int:
        """Post every alert that is due now; return how many posts went out.

        Each post is claimed, sent and recorded on its own (scheduler.posting): no
        transaction is open while Telegram paces the send.
        """
        if self.coordinator_chat_id is None:
            if not self._warned:
                log.error(
                    "alerts_unposted", action="escalate.no_chat", reason="no coordinator chat"
                )
                self._warned = True
            return 0
        posted = 0
        async with self._lock:
            self._failed = set()  # alerts whose post failed: not claimed again in this run
            for _ in range(self.batch):
                done = await claim_send_record(
                    self.db, self.messenger, claim=self._claim, record=self._record
                )
                if done is None:
                    break
                if done.delivery.outcome == Outcome.SENT:
                    posted += 1
                elif done.delivery.outcome == Outcome.RETRY_LATER:
                    break
                else:
                    self._failed.add(done.item.alert.id)
        return posted

    async def _claim(self, session: AsyncSession) -> tuple[ClaimedPost, OutgoingMessage] | None:
        now = self.clock.now()
        post = await alert_posting.claim_next(
            session, now=now, worker=self.worker_id, lease=self.lease, exclude=self._failed
        )
        if post is None:
            return None
        patient = post.patient
        outgoing = render_alert(
            post.alert,
            self.catalog,
            language=self.language,
            chat_id=self._chat_for(post.level),
            patient_code=patient.code,
            post_op_day=post_op_day(patient, now),
            approach=patient.approach.value if patient.approach else None,
            level=post.level,
            now=now,
            context=await alert_context(session, post.alert, patient, now),
        )
        return post, outgoing

    async def _record(self, session: AsyncSession, post: ClaimedPost, delivery: Delivery) -> None:
        sent = delivery.outcome == Outcome.SENT
        recorded = await alert_posting.finish(
            session,
            post,
            worker=self.worker_id,
            now=self.clock.now(),
            telegram_message_id=delivery.message_id,
            sent=sent,
            realert=self.realert,
        )
        alert = post.alert
        if not sent:
            log.warning(
                "alert_post_failed",
                action="escalate.failed",
                alert_id=alert.id,
                outcome=delivery.outcome.value,
                error_code=delivery.error_code,
            )
            return
        log.info(
            "alert_posted" if recorded else "alert_reposted",
            action="escalate.posted",
            alert_id=alert.id,
            patient_id=alert.patient_id,
            severity=alert.severity,
            level=post.level,
            telegram_message_id=delivery.message_id,
        )

    def _chat_for(self, level: int) -> int:
        assert self.coordinator_chat_id is not None
        if level >= ESCALATION_LEVEL and self.escalation_chat_id is not None:
            return self.escalation_chat_id
        return self.coordinator_chat_id


def post_op_day(patient: Patient, now: datetime) -> int | None:
    if patient.surgery_date is None:
        return None
    return (now.astimezone(ZoneInfo(patient.timezone)).date() - patient.surgery_date).days
