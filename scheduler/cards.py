"""Conversation items become cards in the coordinators' group; team replies reach patients.

Claim, send, record (care.usecases.conversation): no transaction is open while Telegram is
called. A card carries the patient (code, name and phone where stored), the post-op day, the
approach, the tier and the patient's own words quoted in full, split over several messages
past Telegram's 4096 characters, never cut. An attachment is copied into the group by
Telegram (copyMessage, as a reply to its card): the nurse sees the photo, nothing is stored
but Telegram's ids. Red and amber cards notify; green ones are posted silently.

Runs from the escalate job (every 2 s) and from the bot's kick right after a message is
stored, so a card is in the group within seconds.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog

from care.domain.callbacks import encode
from care.domain.clock import Clock
from care.domain.kinds import PATIENT_WORDS, ItemKind
from care.domain.messaging import (
    Button,
    CardMessenger,
    Delivery,
    Keyboard,
    Outcome,
    OutgoingMessage,
)
from care.domain.office_hours import OfficeHours
from care.storage.conversation import IN, split_text
from care.storage.db import Database
from care.storage.models import PatientStatus
from care.usecases.conversation import (
    CardJob,
    Digest,
    PostResult,
    claim_cards,
    record_posted,
    sweep,
    take_digest,
)
from messages.catalog import Catalog

log = structlog.get_logger(__name__)

DIGEST_PREVIEW = 60
SWEEP_AFTER = timedelta(seconds=30)  # a stored message with no item by then gets one


def card_text(job: CardJob, catalog: Catalog, language: str) -> str:
    """The whole card: who, when, how urgent, what happened, the patient's words in full."""

    def text(key: str, **values: object) -> str:
        return catalog.text(language, key, **values)

    tier_key = f"inbox.tier.{job.tier}" if job.tier else "inbox.tier.none"
    if not catalog.has(tier_key):
        tier_key = "inbox.tier.none"
    who = " · ".join(
        part for part in (job.patient_code, job.patient_name, job.patient_phone) if part
    )
    approach_key = f"scheduler.approach.{job.approach}" if job.approach else ""
    if not catalog.has(approach_key):
        approach_key = "scheduler.approach.unknown"
    approach = text(approach_key)
    when = (
        text("inbox.card.no_day", approach=approach)
        if job.post_op_day is None
        else text("inbox.card.day", day=job.post_op_day, approach=approach)
    )
    if job.kind == ItemKind.ATTACHMENT:
        what = text("inbox.kind.attachment", attachment=job.attachment or "?")
    else:
        what = text(f"inbox.kind.{job.kind}", author="")
    lines = [f"{text(tier_key)} · {who}", when, what]
    if job.kind == ItemKind.DELETE and job.tier == "red":
        lines.append(text("inbox.kind.delete_red"))
    if job.kind in PATIENT_WORDS:
        words = job.text if job.text else text("inbox.card.no_text")
        lines.append(f"“{words}”")
        lines.append(text("inbox.card.hint"))
    return "\n".join(lines)


def handled_keyboard(item_id: int, catalog: Catalog, language: str) -> Keyboard:
    return ((Button(catalog.text(language, "inbox.card.handled"), encode("hdl", item_id, "c")),),)


class CardPoster:
    def __init__(
        self,
        db: Database,
        messenger: CardMessenger,
        clock: Clock,
        *,
        coordinator_chat_id: int | None,
        catalog: Catalog,
        language: str = "ko",
        realert: timedelta = timedelta(minutes=15),
        lease: timedelta = timedelta(seconds=60),
        batch: int = 20,
    ) -> None:
        self.db = db
        self.messenger = messenger
        self.clock = clock
        self.chat_id = coordinator_chat_id
        self.catalog = catalog
        self.language = language
        self.realert = realert
        self.lease = lease
        self.batch = batch
        self._lock = asyncio.Lock()  # the kick and the periodic job share one poster
        self._swept = 0  # inbound messages up to this id have their item

    async def run_once(self) -> int:
        """Post every pending card and deliver every pending reply; return how many went."""
        if self.chat_id is None:
            return 0
        done = 0
        async with self._lock:
            self._swept = await sweep(
                self.db, self.clock, after_id=self._swept, older_than=SWEEP_AFTER
            )
            while True:
                jobs = await claim_cards(self.db, self.clock, lease=self.lease, batch=self.batch)
                if not jobs:
                    return done
                for job in jobs:
                    result = await (self._post(job) if job.direction == IN else self._deliver(job))
                    await record_posted(self.db, self.clock, job, result, realert=self.realert)
                    done += result.posted
                    log.info(
                        "card_posted" if result.posted else "card_not_posted",
                        action="conversation.post",
                        item_id=job.item_id,
                        direction=job.direction,
                        kind=job.kind,
                        tier=job.tier,
                        error=result.error,
                    )
                    if result.retry and not result.posted:
                        return done  # Telegram asks to wait: the next run tries again

    async def _post(self, job: CardJob) -> PostResult:
        assert self.chat_id is not None
        pieces = split_text(card_text(job, self.catalog, self.language))
        sent: list[int] = []
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            delivery = await self.messenger.send(
                OutgoingMessage(
                    chat_id=self.chat_id,
                    text=piece,
                    keyboard=handled_keyboard(job.item_id, self.catalog, self.language)
                    if last
                    else (),
                    silent=job.silent,
                    reply_to=sent[0] if sent else None,
                )
            )
            if delivery.outcome != Outcome.SENT or delivery.message_id is None:
                return _failed(delivery, self.chat_id, sent)
            sent.append(delivery.message_id)
        if job.attachment and job.chat_message_id and job.patient_chat_id:
            copied = await self.messenger.copy(
                self.chat_id,
                job.patient_chat_id,
                job.chat_message_id,
                silent=job.silent,
                reply_to=sent[0],
            )
            if copied.outcome == Outcome.SENT and copied.message_id is not None:
                sent.append(copied.message_id)
            else:  # the card itself is up; the nurse reads "attachment" and can ask
                log.warning(
                    "attachment_not_copied",
                    action="conversation.copy",
                    item_id=job.item_id,
                    error_code=copied.error_code,
                )
        return PostResult(posted=True, chat_id=self.chat_id, message_ids=tuple(sent))

    async def _deliver(self, job: CardJob) -> PostResult:
        """A team reply to the patient's chat (refused states were checked when it was queued)."""
        if job.patient_chat_id is None or job.patient_status in (
            PatientStatus.DELETED,
            PatientStatus.UNREACHABLE,
            PatientStatus.STOPPED,
        ):
            return PostResult(posted=False, error=f"patient {job.patient_status.value}")
        text = self.catalog.text(job.patient_language, "inbox.reply.to_patient", text=job.text)
        sent: list[int] = []
        for piece in split_text(text):
            delivery = await self.messenger.send(
                OutgoingMessage(chat_id=job.patient_chat_id, text=piece)
            )
            if delivery.outcome != Outcome.SENT or delivery.message_id is None:
                return _failed(delivery, job.patient_chat_id, sent)
            sent.append(delivery.message_id)
        return PostResult(posted=True, chat_id=job.patient_chat_id, message_ids=tuple(sent))


class MorningDigest:
    """At the start of office hours, the list of what is still unhandled, in the group."""

    def __init__(
        self,
        db: Database,
        messenger: CardMessenger,
        clock: Clock,
        *,
        hours: OfficeHours,
        coordinator_chat_id: int | None,
        catalog: Catalog,
        language: str = "ko",
    ) -> None:
        self.db, self.messenger, self.clock = db, messenger, clock
        self.hours, self.chat_id = hours, coordinator_chat_id
        self.catalog, self.language = catalog, language
        self._checked: str | None = None  # the local day already looked at by this process
        self._lock = asyncio.Lock()

    async def run_once(self) -> bool:
        async with self._lock:  # the kick and the periodic job share one digest
            now = self.clock.now()
            today = self.hours.local(now).date().isoformat()
            if self.chat_id is None or self._checked == today or not self.hours.is_open(now):
                return False
            digest = await take_digest(self.db, self.clock, self.hours)
            self._checked = today
        if digest is None:
            return False
        text = digest_text(digest, self.catalog, self.language, self.hours.zone)
        for piece in split_text(text):
            delivery = await self.messenger.send(OutgoingMessage(self.chat_id, piece))
            if delivery.outcome != Outcome.SENT:
                log.warning(
                    "digest_not_posted", action="conversation.digest", error=delivery.detail
                )
                return False
        log.info("digest_posted", action="conversation.digest", waiting=digest.total)
        return True


def digest_text(digest: Digest, catalog: Catalog, language: str, zone: str) -> str:
    lines = [catalog.text(language, "inbox.digest.head", total=digest.total)]
    for entry in digest.entries:
        item = entry.item
        local = item.created_at.astimezone(ZoneInfo(zone))
        tier_key = f"inbox.tier.{item.tier}" if item.tier else "inbox.tier.none"
        if not catalog.has(tier_key):
            tier_key = "inbox.tier.none"
        words = " ".join((item.text or "").split())
        if item.kind not in PATIENT_WORDS:
            words = catalog.text(language, f"inbox.kind.{item.kind}", author="")
        preview = words if len(words) <= DIGEST_PREVIEW else words[: DIGEST_PREVIEW - 1] + "…"
        tier = catalog.text(language, tier_key)
        lines.append(f"• {local:%m-%d %H:%M} · {entry.patient.code} · {tier} · {preview}")
    if digest.total > len(digest.entries):
        lines.append(
            catalog.text(language, "inbox.digest.more", more=digest.total - len(digest.entries))
        )
    return "\n".join(lines)


def _failed(delivery: Delivery, chat_id: int, sent: list[int]) -> PostResult:
    """Part of a card may be up already: its ids are kept so replies to it still work."""
    return PostResult(
        posted=False,
        chat_id=chat_id,
        message_ids=tuple(sent),
        retry=delivery.outcome in (Outcome.RETRY_LATER, Outcome.TRANSIENT),
        blocked=delivery.outcome == Outcome.BLOCKED,
        error=(delivery.detail or delivery.outcome.value)[:200],
    )
