"""The dispatcher: claim due scheduled messages, send them, record what became of each.

One ``run_once`` claims a batch (care.storage.outbox.claim_due, with a lease), sends the messages
through the Messenger port (one chat's messages in order, chats concurrently, at most
``concurrency`` at a time) and records the outcomes: sent messages are confirmed in groups
of ``confirm_every`` and at the end of the batch, every other outcome at once; no
transaction is open during a send. A crash exposes at most the claimed-but-unconfirmed
batch, and each of its messages goes out at most twice (care/storage/outbox.py, "The duplicate
bound").

Confirm before forgetting: when the database goes away mid-batch, the batch stops sending;
the sent-but-unconfirmed messages are kept in memory and confirmed first thing on the next
run (which claims nothing until that works), and the claimed rows never sent are given back.
While a batch is being sent its leases are renewed every third of a lease, so a slow but
live worker keeps its claims; only a dead worker's leases expire (60 s by default).

Policy, per outcome of a claimed message:

====================================  =================================================
patient no longer active              cancelled, never sent
broadcast cancelled meanwhile         cancelled, never sent (text: the broadcasts table)
posture reminder > 2 h late           skipped (a reminder that late is noise)
check-in late                         sent, saying which day it is for (render)
sent                                  sent, with Telegram's message id
429 (RETRY_LATER)                     back to pending at now + retry_after, no attempt
                                      counted; the chat's later messages in the batch too
5xx, connection refused (TRANSIENT)   back to pending with exponential backoff; after
                                      ``max_attempts`` claims: failed + "delivery_failed"
                                      alert to the coordinators (a row in doubt: maybe sent)
timeout or dropped connection after   in doubt: back to pending with backoff, re-sent once
the request left (MAYBE_SENT)         (recorded before, confirmed at once after); if that
                                      answer is lost too: sent "maybe", never a 3rd copy,
                                      never reported as failed (care/storage/outbox.py)
any other 4xx (REJECTED), no text     failed + "delivery_failed" alert
403, chat not found (BLOCKED)         failed; the patient becomes unreachable, every
                                      pending row is cancelled and a red "unreachable"
                                      alert is opened and posted at once
====================================  =================================================
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta

import structlog

from care.domain.clock import Clock
from care.domain.kinds import AlertSource, MessageKind
from care.domain.messaging import Delivery, Messenger, Outcome
from care.storage import broadcasts, outbox
from care.storage.alerts import DEFAULT_REALERT, open_alert
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus
from care.storage.outbox import ClaimedMessage
from care.storage.patients import mark_unreachable
from messages.catalog import Catalog
from scheduler.escalation import Escalator
from scheduler.render import NotRenderable, render_message

log = structlog.get_logger(__name__)

POSTURE_LATE_AFTER = timedelta(hours=2)


class DispatchHalted(RuntimeError):
    """The database went away during a batch; what was sent is kept to be confirmed."""


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient failures: base * 2^(attempt-1), capped; give up after max_attempts."""

    max_attempts: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(minutes=10)

    def backoff(self, attempts: int) -> timedelta:
        return min(self.cap, self.base * (1 << min(20, max(0, attempts - 1))))


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    retried: int = 0  # released for a later try (429 or transient)
    failed: int = 0
    blocked: int = 0
    resent: int = 0  # sent although already marked sent: a duplicate, within the bound
    resends: int = 0  # rows in doubt sent again (at most once each)
    maybe_sent: int = 0  # settled as sent "maybe": the answer was lost twice
    batches: int = 0
    alerts: list[int] = field(default_factory=list)

    def add(self, other: DispatchStats) -> None:
        for item in fields(self):
            if item.name == "alerts":
                self.alerts.extend(other.alerts)
            else:
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


class Dispatcher:
    def __init__(
        self,
        db: Database,
        messenger: Messenger,
        clock: Clock,
        *,
        worker_id: str,
        batch: int = 50,
        lease: timedelta = timedelta(seconds=60),
        concurrency: int = 8,
        confirm_every: int = 10,
        catalog: Catalog,
        escalator: Escalator | None,
        realert: timedelta = DEFAULT_REALERT,
        retry: RetryPolicy | None = None,
        posture_late_after: timedelta = POSTURE_LATE_AFTER,
    ) -> None:
        """``escalator`` posts the alerts a batch opens (a blocked patient's, a failed
        delivery's) at once; None leaves them to the escalate job."""
        self.db = db
        self.messenger = messenger
        self.clock = clock
        self.worker_id = worker_id
        self.batch = batch
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.realert = realert
        self.posture_late_after = posture_late_after
        self.catalog = catalog
        self.escalator = escalator
        self.confirm_every = confirm_every
        self._slots = asyncio.Semaphore(concurrency)
        self._unconfirmed: list[tuple[ClaimedMessage, int | None, datetime]] = []
        self._unsent: set[int] = set()  # claimed rows of the batch no send was started for
        self._halted: BaseException | None = None  # the database error that stopped a batch
        self._broadcasts: dict[int, broadcasts.BroadcastText] = {}  # of the batch in hand
        self._stopping = False

    def request_stop(self) -> None:
        """Finish the batch in hand, then claim no more (run_until_idle returns)."""
        self._stopping = True

    async def run_until_idle(self, *, max_batches: int = 100) -> DispatchStats:
        """Run batches while they come back full (a backlog), at most ``max_batches``."""
        total = DispatchStats()
        for _ in range(max_batches):
            if self._stopping:
                break
            stats = await self.run_once()
            total.add(stats)
            if stats.claimed < self.batch:
                break
        return total

    async def run_once(self) -> DispatchStats:
        """Claim one batch of due messages, send them, record each outcome.

        Raises DispatchHalted when the database went away during the batch; the next call
        first confirms what was sent and gives back what was not, and raises again (claiming
        nothing) while the database is still away.
        """
        stats = DispatchStats()
        await self._recover(stats)
        async with self.db.uow() as uow:
            claimed = await outbox.claim_due(
                uow.session,
                now=self.clock.now(),
                worker=self.worker_id,
                batch=self.batch,
                lease=self.lease,
            )
            self._broadcasts = await broadcasts.texts(
                uow.session, [m.broadcast_id for m in claimed if m.broadcast_id is not None]
            )
            await uow.commit()
        if not claimed:
            return stats
        stats.claimed, stats.batches = len(claimed), 1
        log.info(
            "batch_claimed",
            action="dispatch.claim",
            worker=self.worker_id,
            count=len(claimed),
            first_id=claimed[0].id,
            in_doubt=sum(m.in_doubt for m in claimed),
        )
        self._halted = None
        self._unsent = {m.id for m in claimed}
        by_patient: dict[int, list[ClaimedMessage]] = {}
        for message in claimed:
            by_patient.setdefault(message.patient_id, []).append(message)
        heartbeat = asyncio.create_task(self._keep_leases([m.id for m in claimed]))
        try:
            await asyncio.gather(*(self._send_chat(g, stats) for g in by_patient.values()))
        finally:
            heartbeat.cancel()
            try:
                await self._confirm(stats)
            except Exception as error:
                self._halt(error)
        if self._halted is not None:
            raise DispatchHalted(
                f"database unavailable: {len(self._unconfirmed)} sent messages kept to "
                f"confirm, {len(self._unsent)} unsent given back on recovery"
            ) from self._halted
        self._unsent = set()
        if stats.alerts and self.escalator is not None:
            await self.escalator.run_once()
        return stats

    async def _recover(self, stats: DispatchStats) -> None:
        """After a halted batch: confirm what was sent, give back what was never sent."""
        if self._unconfirmed:
            await self._confirm(stats)
        if self._unsent:
            async with self.db.uow() as uow:
                await outbox.release_own(uow.session, sorted(self._unsent), worker=self.worker_id)
                await uow.commit()
            log.info(
                "unsent_released",
                action="dispatch.recover",
                worker=self.worker_id,
                count=len(self._unsent),
            )
            self._unsent = set()

    def _halt(self, error: BaseException) -> None:
        if self._halted is None:
            log.error(
                "dispatch_halted",
                action="dispatch.halted",
                worker=self.worker_id,
                error=type(error).__name__,
                unconfirmed=len(self._unconfirmed),
            )
            self._halted = error

    async def _keep_leases(self, message_ids: list[int]) -> None:
        """Renew the batch's leases every third of a lease while it is being sent."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with self.db.uow() as uow:
                    await outbox.extend_leases(
                        uow.session,
                        message_ids,
                        worker=self.worker_id,
                        until=self.clock.now() + self.lease,
                    )
                    await uow.commit()
            except Exception:
                log.exception(
                    "lease_renewal_failed", action="dispatch.lease", worker=self.worker_id
                )

    async def _send_chat(self, messages: Sequence[ClaimedMessage], stats: DispatchStats) -> None:
        """One patient's messages, in order; a block or a 429 settles the rest of them.
        A database error stops this chat (and, through ``_halted``, the whole batch)."""
        async with self._slots:
            hold_until: datetime | None = None
            blocked = False
            for message in messages:
                if self._halted is not None:
                    return
                try:
                    if blocked:
                        await self._cancel(message, "patient_unreachable", stats)
                    elif hold_until is not None:
                        await self._release(message, hold_until, "retry_later", stats, count=False)
                    else:
                        outcome, hold_until = await self._deliver(message, stats)
                        blocked = outcome == Outcome.BLOCKED
                except Exception as error:
                    self._halt(error)
                    return

    async def _deliver(
        self, message: ClaimedMessage, stats: DispatchStats
    ) -> tuple[Outcome | None, datetime | None]:
        """Send one message and record the outcome; a 429 also says until when to hold."""
        now = self.clock.now()
        if message.patient_status != PatientStatus.ACTIVE:
            await self._cancel(message, f"patient_{message.patient_status.value}", stats)
            return None, None
        if message.kind == MessageKind.POSTURE and message.lateness(now) > self.posture_late_after:
            await self._skip(message, "late_posture_reminder", stats)
            return None, None
        broadcast = self._broadcasts.get(message.broadcast_id or 0)
        if message.kind == MessageKind.BROADCAST and (
            broadcast is None or not broadcast.deliverable
        ):
            await self._cancel(message, "broadcast_cancelled", stats)
            return None, None
        try:
            outgoing = render_message(message, self.catalog, now=now, broadcast=broadcast)
        except NotRenderable as error:
            log.error("message_unrenderable", action="dispatch.unrenderable", message_id=message.id)
            await self._fail(message, Delivery(Outcome.REJECTED, detail=str(error)), stats)
            return Outcome.REJECTED, None
        outgoing = replace(outgoing, bulk=True)  # behind alerts and replies in the pace
        if message.in_doubt and not await self._start_resend(message, stats):
            return None, None
        self._unsent.discard(message.id)
        try:
            delivery = await self.messenger.send(outgoing)
        except Exception as error:  # a bug in an adapter must not lose the message
            log.exception("messenger_error", action="dispatch.error", message_id=message.id)
            delivery = Delivery(Outcome.TRANSIENT, detail=f"{type(error).__name__}"[:200])
        return delivery.outcome, await self._record(message, delivery, stats)

    async def _start_resend(self, message: ClaimedMessage, stats: DispatchStats) -> bool:
        """A row in doubt: record the one re-send before making it. False: do not send
        (a re-send was started before and its answer lost: settled as maybe sent)."""
        if message.resend_started:
            await self._maybe_sent(message, "resend_unconfirmed", stats)
            return False
        async with self.db.uow() as uow:
            started = await outbox.start_resend(uow.session, message.id, worker=self.worker_id)
            await uow.commit()
        if started:
            stats.resends += 1
        return started

    async def _record(
        self, message: ClaimedMessage, delivery: Delivery, stats: DispatchStats
    ) -> datetime | None:
        final = message.attempts >= self.retry.max_attempts
        match delivery.outcome:
            case Outcome.SENT:
                await self._sent(message, delivery, stats)
            case Outcome.RETRY_LATER:
                wait = timedelta(seconds=max(1.0, delivery.retry_after or 1.0))
                hold_until = self.clock.now() + wait
                await self._release(
                    message, hold_until, "retry_later", stats, count=False, delivery=delivery
                )
                return hold_until
            case Outcome.MAYBE_SENT if message.in_doubt:
                await self._maybe_sent(message, delivery.detail or "no_answer", stats)
            case Outcome.MAYBE_SENT | Outcome.TRANSIENT if not final:
                not_before = self.clock.now() + self.retry.backoff(message.attempts)
                await self._release(
                    message,
                    not_before,
                    delivery.outcome.value,
                    stats,
                    count=True,
                    delivery=delivery,
                    in_doubt=delivery.outcome == Outcome.MAYBE_SENT,
                )
            case Outcome.BLOCKED:
                await self._blocked(message, delivery, stats)
            case Outcome.MAYBE_SENT:
                await self._maybe_sent(message, delivery.detail or "no_answer", stats)
            case _ if message.in_doubt:
                # It may have gone out before: never tell the team it could not be delivered.
                await self._maybe_sent(message, delivery.detail or delivery.outcome.value, stats)
            case _:
                await self._fail(message, delivery, stats)
        return None

    async def _maybe_sent(self, message: ClaimedMessage, detail: str, stats: DispatchStats) -> None:
        async with self.db.uow() as uow:
            await outbox.mark_maybe_sent(
                uow.session, message.id, worker=self.worker_id, now=self.clock.now(), detail=detail
            )
            await uow.commit()
        stats.maybe_sent += 1
        log.warning(
            "message_maybe_sent",
            action="dispatch.maybe_sent",
            message_id=message.id,
            patient_id=message.patient_id,
            kind=message.kind,
            attempts=message.attempts,
        )

    async def _sent(
        self, message: ClaimedMessage, delivery: Delivery, stats: DispatchStats
    ) -> None:
        """Telegram has it: confirm it with the next group (``confirm_every``) or the batch
        end; a re-sent row in doubt at once (its re-send is recorded as started)."""
        self._unconfirmed.append((message, delivery.message_id, self.clock.now()))
        stats.sent += 1
        if message.in_doubt or len(self._unconfirmed) >= self.confirm_every:
            await self._confirm(stats)

    async def _confirm(self, stats: DispatchStats) -> None:
        """Mark the sent messages sent, in one transaction. If that fails they are kept (in
        front of any sent meanwhile) for the next confirmation: never forgotten."""
        confirming, self._unconfirmed = self._unconfirmed, []
        if not confirming:
            return
        try:
            async with self.db.uow() as uow:
                marked = await outbox.mark_sent_many(
                    uow.session,
                    [
                        outbox.Sent(message.id, telegram_id, at)
                        for message, telegram_id, at in confirming
                    ],
                    worker=self.worker_id,
                )
                await uow.commit()
        except BaseException:
            self._unconfirmed = confirming + self._unconfirmed
            raise
        for message, telegram_message_id, _ in confirming:
            was_first = message.id in marked
            if not was_first:
                stats.resent += 1
            log.info(
                "message_sent" if was_first else "message_resent",
                action="dispatch.sent",
                message_id=message.id,
                patient_id=message.patient_id,
                kind=message.kind,
                telegram_message_id=telegram_message_id,
                attempts=message.attempts,
            )

    async def _release(
        self,
        message: ClaimedMessage,
        not_before: datetime,
        outcome: str,
        stats: DispatchStats,
        *,
        count: bool,
        delivery: Delivery | None = None,
        in_doubt: bool = False,
    ) -> None:
        async with self.db.uow() as uow:
            await outbox.release_for_retry(
                uow.session,
                message.id,
                worker=self.worker_id,
                now=self.clock.now(),
                not_before=not_before,
                outcome=outcome,
                count_attempt=count,
                error_code=delivery.error_code if delivery else None,
                detail=delivery.detail if delivery else None,
                in_doubt=in_doubt,
            )
            await uow.commit()
        stats.retried += 1
        log.info(
            "message_retry",
            action=f"dispatch.{outcome}",
            message_id=message.id,
            patient_id=message.patient_id,
            attempts=message.attempts,
            not_before=not_before.isoformat(),
            error_code=delivery.error_code if delivery else None,
        )

    async def _cancel(self, message: ClaimedMessage, reason: str, stats: DispatchStats) -> None:
        async with self.db.uow() as uow:
            await outbox.mark_cancelled(
                uow.session, message.id, worker=self.worker_id, now=self.clock.now(), reason=reason
            )
            await uow.commit()
        stats.cancelled += 1
        self._log_settled("cancelled", message, reason)

    async def _skip(self, message: ClaimedMessage, reason: str, stats: DispatchStats) -> None:
        async with self.db.uow() as uow:
            await outbox.mark_skipped(
                uow.session, message.id, worker=self.worker_id, now=self.clock.now(), reason=reason
            )
            await uow.commit()
        stats.skipped += 1
        self._log_settled("skipped", message, reason)

    def _log_settled(self, what: str, message: ClaimedMessage, reason: str) -> None:
        log.info(
            f"message_{what}",
            action=f"dispatch.{what}",
            message_id=message.id,
            patient_id=message.patient_id,
            kind=message.kind,
            reason=reason,
        )

    async def _fail(
        self, message: ClaimedMessage, delivery: Delivery, stats: DispatchStats
    ) -> None:
        """Give up on the message and tell the coordinators (one open alert per patient)."""
        async with self.db.uow() as uow:
            now = self.clock.now()
            await outbox.mark_failed(
                uow.session,
                message.id,
                worker=self.worker_id,
                now=now,
                outcome=delivery.outcome.value,
                error_code=delivery.error_code,
                detail=delivery.detail,
            )
            patient = await uow.session.get(Patient, message.patient_id)
            alert_id = None
            if patient is not None:
                alert = await open_alert(
                    uow.session,
                    patient=patient,
                    severity="amber",
                    source=AlertSource.DELIVERY_FAILED,
                    reasons=[f"{message.kind}:{delivery.outcome.value}"],
                    now=now,
                    realert=self.realert,
                )
                alert_id = alert.id
            await uow.commit()
        stats.failed += 1
        if alert_id is not None:
            stats.alerts.append(alert_id)
        log.warning(
            "message_failed",
            action="dispatch.failed",
            message_id=message.id,
            patient_id=message.patient_id,
            outcome=delivery.outcome.value,
            error_code=delivery.error_code,
            attempts=message.attempts,
            alert_id=alert_id,
        )

    async def _blocked(
        self, message: ClaimedMessage, delivery: Delivery, stats: DispatchStats
    ) -> None:
        """The patient cannot be reached: a safety matter. Unreachable, cancelled, red alert."""
        async with self.db.uow() as uow:
            now = self.clock.now()
            session = uow.session
            await outbox.mark_failed(
                session,
                message.id,
                worker=self.worker_id,
                now=now,
                outcome="blocked",
                error_code=delivery.error_code,
                detail=delivery.detail,
            )
            patient = await session.get(Patient, message.patient_id, with_for_update=True)
            alert_id = None
            if patient is not None:
                alert = await mark_unreachable(
                    session,
                    patient,
                    now=now,
                    reason=f"telegram:{delivery.error_code or 'blocked'}",
                    realert=self.realert,
                )
                alert_id = alert.id if alert is not None else None
            await uow.commit()
        stats.blocked += 1
        if alert_id is not None:
            stats.alerts.append(alert_id)
        log.warning(
            "patient_unreachable",
            action="dispatch.blocked",
            message_id=message.id,
            patient_id=message.patient_id,
            error_code=delivery.error_code,
            alert_id=alert_id,
        )
