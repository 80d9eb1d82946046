"""Conversation items become cards in the coordinators' group; team replies reach patients.

Claim, send, record (care.usecases.conversation): no transaction is open while Telegram is
called. A card carries the patient (code, name and phone where stored), the post-op day, the
approach, the tier and the patient's own words quoted in full, split over several messages
past Telegram's 4096 characters, never cut. An attachment is copied into the group by
Telegram (copyMessage, as a reply to its card): the nurse sees the photo, nothing is stored
but Telegram's ids. Red and amber cards notify; green ones are posted silently.

Runs from the escalate job (every 2 s) and from the bot's kick right after a message is
stored, so a card is in the group within seconds.

Telegram lets a bot post 20 messages a minute in a group. When more cards wait than that
(the poster was held by the group's pace while they came in), the waiting ones are posted
together: several items per card, red then amber then the rest, each with its words in full
and its own "Handled" button, split at Telegram's 4,096 characters between items, never
inside one (an item too long to share a message gets its own card, split as above). A
nurse gets a few cards for a flood of messages, not one per message, and no item is hidden.
In such a card, only red and amber items' attachments are copied under it (a copy is one
more group message); the others are named ("Attachment (photo)"), and the patient was asked
what they meant.
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
from care.storage.conversation import IN, TELEGRAM_TEXT_LIMIT, split_text
from care.storage.db import Database
from care.storage.models import PatientStatus
from care.usecases.conversation import (
    CardJob,
    Digest,
    PostResult,
    claim_cards,
    record_posted,
    record_posted_together,
    sweep,
    take_digest,
)
from messages.catalog import Catalog

log = structlog.get_logger(__name__)

DIGEST_PREVIEW = 60
MAX_TOGETHER = 30  # items in one card posted together (a button each; Telegram allows 100)
TIER_RANK = {"red": 0, "amber": 1, "ask": 2}  # the order within a card posted together
# In a card posted together, only red and amber items' attachments are copied under it: a copy
# is one more of the group's 20 messages a minute (the others are named: "Attachment (photo)").
COPIED_TOGETHER = ("red", "amber")
SWEEP_AFTER = timedelta(seconds=30)  # a stored message with no item by then gets one


def card_text(job: CardJob, catalog: Catalog, language: str, *, hint: bool = True) -> str:
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
        if hint:
            lines.append(text("inbox.card.hint"))
    return "\n".join(lines)


def together_text(
    numbered: list[tuple[int, CardJob]], total: int, catalog: Catalog, language: str
) -> str:
    """One card for several items: how many came together, each item numbered, one hint."""
    head = catalog.text(language, "inbox.card.together", count=total)
    blocks = [f"{n}. {card_text(job, catalog, language, hint=False)}" for n, job in numbered]
    several = len({job.patient_code for _, job in numbered}) > 1
    hint = catalog.text(language, "inbox.card.several_hint" if several else "inbox.card.hint")
    return "\n\n".join([head, *blocks, hint])


def together_keyboard(
    numbered: list[tuple[int, CardJob]], catalog: Catalog, language: str
) -> Keyboard:
    """A "Handled" button per item, named by its number, two to a row."""
    done = catalog.text(language, "inbox.card.handled")
    buttons = [Button(f"{n} · {done}", encode("hdl", job.item_id, "m")) for n, job in numbered]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def pack(jobs: list[CardJob], catalog: Catalog, language: str) -> list[list[tuple[int, CardJob]]]:
    """Items (most urgent first) numbered and packed into cards of at most 4,096 characters;
    an item that cannot share a card is alone in its list (posted as its own card)."""
    ordered = sorted(jobs, key=lambda j: (TIER_RANK.get(j.tier or "", 3), j.created_at, j.item_id))
    cards: list[list[tuple[int, CardJob]]] = []
    current: list[tuple[int, CardJob]] = []
    for n, job in enumerate(ordered, start=1):
        if len(together_text([(n, job)], len(ordered), catalog, language)) > TELEGRAM_TEXT_LIMIT:
            cards.append([(n, job)])
            continue
        grown = [*current, (n, job)]
        fits = len(together_text(grown, len(ordered), catalog, language)) <= TELEGRAM_TEXT_LIMIT
        if current and (not fits or len(grown) > MAX_TOGETHER):
            cards.append(current)
            grown = [(n, job)]
        current = grown
    if current:
        cards.append(current)
    return cards


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
                cards = [job for job in jobs if job.direction == IN]
                stop = False
                for job in (job for job in jobs if job.direction != IN):
                    posted, stop = await self._one(job)
                    done += posted
                    if stop:
                        break
                if stop:  # Telegram asks to wait: the next run tries again (leases expire)
                    return done
                if len(cards) == 1:
                    posted, stop = await self._one(cards[0])
                    done += posted
                elif cards:
                    posted, stop = await self._post_together(cards)
                    done += posted
                if stop:
                    return done

    async def _one(self, job: CardJob) -> tuple[int, bool]:
        """Post a card or deliver a reply; (posted, whether Telegram asks to wait)."""
        result = await (self._post(job) if job.direction == IN else self._deliver(job))
        await record_posted(self.db, self.clock, job, result, realert=self.realert)
        self._logged(job, result)
        return int(result.posted), result.retry and not result.posted

    def _logged(self, job: CardJob, result: PostResult, *, together: int = 1) -> None:
        log.info(
            "card_posted" if result.posted else "card_not_posted",
            action="conversation.post",
            item_id=job.item_id,
            direction=job.direction,
            kind=job.kind,
            tier=job.tier,
            together=together,
            error=result.error,
        )

    async def _post_together(self, jobs: list[CardJob]) -> tuple[int, bool]:
        """Cards that waited together posted as few cards (``pack``); (posted, stop)."""
        assert self.chat_id is not None
        done = 0
        cards = pack(jobs, self.catalog, self.language)
        for index, numbered in enumerate(cards):
            if len(numbered) == 1 and self._alone(numbered, len(jobs)):
                posted, stop = await self._one(numbered[0][1])
                done += posted
            else:
                posted, stop = await self._send_together(numbered, len(jobs))
                done += posted
            if stop:  # the rest go back to pending, tried again on the next run
                rest = [job for later in cards[index + 1 :] for _, job in later]
                failed = PostResult(posted=False, retry=True, error="waiting for the group")
                if rest:
                    await record_posted_together(
                        self.db, self.clock, rest, failed, realert=self.realert
                    )
                return done, True
        return done, False

    def _alone(self, numbered: list[tuple[int, CardJob]], total: int) -> bool:
        """Whether the item is too long to share a card (it is posted as its own)."""
        text = together_text(numbered, total, self.catalog, self.language)
        return len(text) > TELEGRAM_TEXT_LIMIT

    async def _send_together(
        self, numbered: list[tuple[int, CardJob]], total: int
    ) -> tuple[int, bool]:
        assert self.chat_id is not None
        jobs = [job for _, job in numbered]
        delivery = await self.messenger.send(
            OutgoingMessage(
                chat_id=self.chat_id,
                text=together_text(numbered, total, self.catalog, self.language),
                keyboard=together_keyboard(numbered, self.catalog, self.language),
                silent=all(job.silent for job in jobs),
            )
        )
        if delivery.outcome != Outcome.SENT or delivery.message_id is None:
            result = _failed(delivery, self.chat_id, [])
        else:
            result = PostResult(True, chat_id=self.chat_id, message_ids=(delivery.message_id,))
        copies: dict[int, int] = {}
        if result.posted:
            for job in jobs:
                if job.tier not in COPIED_TOGETHER:
                    continue  # named in the card; a copy each would take the group's pace
                copied = await self._copy_attachment(job, delivery.message_id or 0)
                if copied is not None:
                    copies[job.item_id] = copied
        await record_posted_together(
            self.db, self.clock, jobs, result, copies=copies, realert=self.realert
        )
        for job in jobs:
            self._logged(job, result, together=len(jobs))
        return (len(jobs) if result.posted else 0), result.retry and not result.posted

    async def _copy_attachment(self, job: CardJob, card_id: int) -> int | None:
        """The patient's photo, voice or file copied under its card; its message id, or None
        (the card is up all the same: the nurse reads "attachment" and can ask)."""
        if not (job.attachment and job.chat_message_id and job.patient_chat_id):
            return None
        assert self.chat_id is not None
        copied = await self.messenger.copy(
            self.chat_id,
            job.patient_chat_id,
            job.chat_message_id,
            silent=job.silent,
            reply_to=card_id,
        )
        if copied.outcome == Outcome.SENT and copied.message_id is not None:
            return copied.message_id
        log.warning(
            "attachment_not_copied",
            action="conversation.copy",
            item_id=job.item_id,
            error_code=copied.error_code,
        )
        return None

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
        copied = await self._copy_attachment(job, sent[0])
        if copied is not None:
            sent.append(copied)
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
