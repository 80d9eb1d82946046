"""The care team's side of the conversation: reply, handle, list; and the card outbox steps.

The bot (group replies, /inbox, the Handled button) and the CLI (``spinecare inbox``,
``spinecare reply``) call these same functions. The card poster (scheduler/cards.py) calls
``claim_cards`` and ``record_posted``: claim in one transaction, send with none open, record
in another.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import Clock
from care.domain.errors import NotFound
from care.domain.kinds import ItemKind
from care.domain.office_hours import OfficeHours
from care.storage import audit, conversation, patients
from care.storage.db import Database
from care.storage.models import Alert, AuditEntry, ConversationItem, Patient, PatientStatus

log = structlog.get_logger(__name__)

MAX_REPLY = 4000  # characters a coordinator's reply may have (one Telegram message with its lead)


class ReplyStatus(enum.StrEnum):
    QUEUED = "queued"
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_CARD = "unknown_card"
    SEVERAL_PATIENTS = "several_patients"  # a card that holds several patients' messages
    UNKNOWN_PATIENT = "unknown_patient"
    DELETED = "deleted"
    UNREACHABLE = "unreachable"
    STOPPED = "stopped"
    NOT_REGISTERED = "not_registered"


# A reply is refused, and nothing sent, when the patient is in one of these states.
REFUSED_STATUSES = {
    PatientStatus.DELETED: ReplyStatus.DELETED,
    PatientStatus.UNREACHABLE: ReplyStatus.UNREACHABLE,
    PatientStatus.STOPPED: ReplyStatus.STOPPED,
    PatientStatus.INVITED: ReplyStatus.NOT_REGISTERED,
}


@dataclass(frozen=True)
class ReplyOutcome:
    status: ReplyStatus
    patient_code: str | None = None
    item_id: int | None = None

    @property
    def queued(self) -> bool:
        return self.status == ReplyStatus.QUEUED


async def reply_to_card(
    db: Database, clock: Clock, *, chat_id: int, message_id: int, text: str, actor: str
) -> ReplyOutcome:
    """A coordinator's Telegram reply to a card: the text goes to that card's patient."""
    async with db.uow() as uow:
        card = await conversation.card_at(uow.session, chat_id=chat_id, message_id=message_id)
        replied: ConversationItem | None = None
        if card is not None:
            if card.patient_code == conversation.SEVERAL_PATIENTS:
                return ReplyOutcome(ReplyStatus.SEVERAL_PATIENTS)
            patient = await patients.by_code(uow.session, card.patient_code)
            if card.item_id is not None:
                replied = await uow.session.get(ConversationItem, card.item_id)
        else:  # a reply to an alert reaches its patient too
            alert = await uow.session.scalar(
                select(Alert).where(Alert.telegram_message_id == message_id).limit(1)
            )
            if alert is None:
                return ReplyOutcome(ReplyStatus.UNKNOWN_CARD)
            patient = await uow.session.get_one(Patient, alert.patient_id)
        outcome = await _reply(uow.session, patient, text, actor=actor, now=clock.now())
        if outcome.queued and replied is not None:
            await conversation.mark_seen(uow.session, [replied], actor=actor, now=clock.now())
        await uow.commit()
    return outcome


async def reply_to_patient(
    db: Database, clock: Clock, *, code: str, text: str, actor: str
) -> ReplyOutcome:
    """The same, addressed by patient code (``spinecare reply CODE --text T``)."""
    async with db.uow() as uow:
        try:
            patient = await patients.by_code(uow.session, code)
        except NotFound:
            return ReplyOutcome(ReplyStatus.UNKNOWN_PATIENT)
        outcome = await _reply(uow.session, patient, text, actor=actor, now=clock.now())
        await uow.commit()
    return outcome


async def _reply(
    session: AsyncSession, patient: Patient, text: str, *, actor: str, now: datetime
) -> ReplyOutcome:
    text = text.strip()
    refused = REFUSED_STATUSES.get(patient.status)
    if not text:
        status = ReplyStatus.EMPTY
    elif len(text) > MAX_REPLY:
        status = ReplyStatus.TOO_LONG
    elif refused is not None or patient.chat_id is None:
        status = refused or ReplyStatus.NOT_REGISTERED
    else:
        item = conversation.record_reply(session, patient=patient, text=text, author=actor, now=now)
        await session.flush()  # the item's id, for the caller
        audit.record(
            session, at=now, actor=actor, action="conversation.reply", subject=patient.code
        )
        log.info("reply_queued", action="conversation.reply", patient=patient.code, actor=actor)
        return ReplyOutcome(ReplyStatus.QUEUED, patient.code, item.id)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="conversation.reply_refused",
        subject=patient.code,
        reason=status.value,
    )
    return ReplyOutcome(status, patient.code)


async def handle(
    db: Database, clock: Clock, *, item_id: int, actor: str
) -> ConversationItem | None:
    """The "Handled" button (or the CLI): who and when, audited. None if no such item."""
    async with db.uow() as uow:
        item = await conversation.mark_handled(uow.session, item_id, actor=actor, now=clock.now())
        await uow.commit()
    return item


@dataclass(frozen=True)
class InboxPage:
    entries: list[conversation.InboxEntry]
    total: int
    page: int
    pages: int


async def inbox(
    db: Database,
    clock: Clock,
    *,
    actor: str,
    page: int = 0,
    size: int = 10,
    include_handled: bool = False,
) -> InboxPage:
    """Unhandled items (or all), oldest first, one page; new ones shown become seen."""
    async with db.uow() as uow:
        if include_handled:
            total = len(await conversation.entries(uow.session, include_handled=True, limit=10**9))
        else:
            total = await conversation.count_open(uow.session)
        pages = max(1, -(-total // size))
        page = min(max(page, 0), pages - 1)
        found = await conversation.entries(
            uow.session, include_handled=include_handled, offset=page * size, limit=size
        )
        await conversation.mark_seen(
            uow.session, [entry.item for entry in found], actor=actor, now=clock.now()
        )
        await uow.commit()
    return InboxPage(found, total, page, pages)


# -- the card outbox ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardJob:
    """A claimed item with what rendering and sending it needs (no database objects)."""

    item_id: int
    direction: str
    kind: ItemKind
    text: str | None
    tier: str | None
    attachment: str | None
    chat_message_id: int | None
    created_at: datetime
    patient_code: str
    patient_name: str | None
    patient_phone: str | None
    patient_chat_id: int | None
    patient_status: PatientStatus
    patient_language: str
    post_op_day: int | None
    approach: str | None

    @property
    def silent(self) -> bool:
        """Green cards are posted without a sound; red, amber and unread ones notify."""
        return self.tier == "green"


async def sweep(db: Database, clock: Clock, *, after_id: int, older_than: timedelta) -> int:
    """Messages stored without their item get one (and so a card); returns the id reached."""
    async with db.uow() as uow:
        reached = await conversation.sweep_unrecorded(
            uow.session, now=clock.now(), older_than=older_than, after_id=after_id
        )
        await uow.commit()
    return reached


async def claim_cards(db: Database, clock: Clock, *, lease: timedelta, batch: int) -> list[CardJob]:
    now = clock.now()
    async with db.uow() as uow:
        items = await conversation.claim_posts(uow.session, now=now, lease=lease, batch=batch)
        jobs = []
        for item in items:
            patient = await uow.session.get_one(Patient, item.patient_id)
            jobs.append(
                CardJob(
                    item_id=item.id,
                    direction=item.direction,
                    kind=ItemKind(item.kind),
                    text=item.text,
                    tier=item.tier,
                    attachment=item.attachment,
                    chat_message_id=item.chat_message_id,
                    created_at=item.created_at,
                    patient_code=patient.code,
                    patient_name=patient.display_name,
                    patient_phone=patient.phone,
                    patient_chat_id=patient.chat_id,
                    patient_status=patient.status,
                    patient_language=patient.language,
                    post_op_day=conversation.post_op_day(patient, item.created_at),
                    approach=patient.approach.value if patient.approach else None,
                )
            )
        await uow.commit()
    return jobs


@dataclass(frozen=True)
class PostResult:
    """What became of a claimed card: posted (with the group's message ids) or not."""

    posted: bool
    chat_id: int | None = None
    message_ids: tuple[int, ...] = ()
    retry: bool = False
    blocked: bool = False
    error: str | None = None


async def record_posted(
    db: Database, clock: Clock, job: CardJob, result: PostResult, *, realert: timedelta
) -> None:
    now = clock.now()
    async with db.uow() as uow:
        item = await uow.session.get(ConversationItem, job.item_id, with_for_update=True)
        if result.chat_id is not None and result.message_ids and job.direction == conversation.IN:
            conversation.record_card_posts(  # a reply to the card still finds its patient
                uow.session,
                item_id=item.id if item is not None else None,
                patient_code=job.patient_code,
                chat_id=result.chat_id,
                message_ids=result.message_ids,
                now=now,
            )
        await _record_item(uow.session, job, item, result, now=now, realert=realert)
        await uow.commit()


async def record_posted_together(
    db: Database,
    clock: Clock,
    jobs: Sequence[CardJob],
    result: PostResult,
    *,
    copies: Mapping[int, int] | None = None,
    realert: timedelta,
) -> None:
    """Several items posted as one card (``result``: its message ids), recorded at once.

    A reply to the card reaches its patient when it holds one patient's items; with several
    patients it is refused (``SEVERAL_PATIENTS``). ``copies`` maps an item to the message that
    copied its attachment into the group: a reply to that reaches the item's patient.
    """
    now = clock.now()
    codes = {job.patient_code for job in jobs}
    async with db.uow() as uow:
        items = {  # None: erased by /delete while it was being posted
            job.item_id: await uow.session.get(ConversationItem, job.item_id, with_for_update=True)
            for job in jobs
        }
        if result.chat_id is not None and result.message_ids:
            first = items[jobs[0].item_id]
            conversation.record_card_posts(
                uow.session,
                item_id=first.id if first is not None and len(codes) == 1 else None,
                patient_code=codes.pop() if len(codes) == 1 else conversation.SEVERAL_PATIENTS,
                chat_id=result.chat_id,
                message_ids=result.message_ids,
                now=now,
            )
        for job in jobs:
            item = items[job.item_id]
            if result.chat_id is not None and copies and job.item_id in copies:
                conversation.record_card_posts(
                    uow.session,
                    item_id=item.id if item is not None else None,
                    patient_code=job.patient_code,
                    chat_id=result.chat_id,
                    message_ids=(copies[job.item_id],),
                    now=now,
                )
            await _record_item(uow.session, job, item, result, now=now, realert=realert)
        await uow.commit()


async def _record_item(
    session: AsyncSession,
    job: CardJob,
    item: ConversationItem | None,
    result: PostResult,
    *,
    now: datetime,
    realert: timedelta,
) -> None:
    if item is not None:  # None: erased by /delete while it was being posted
        if result.posted:
            item.post_state, item.posted_at, item.post_error = conversation.POSTED, now, None
        elif result.retry and item.post_attempts < conversation.MAX_POST_ATTEMPTS:
            item.post_state, item.post_error = conversation.PENDING, result.error
        else:
            item.post_state, item.post_error = conversation.FAILED, result.error
        item.lease_until = None
        if job.direction == conversation.OUT and item.post_state != conversation.PENDING:
            audit.record(
                session,
                at=now,
                actor="system",
                action="conversation.reply_delivered"
                if result.posted
                else "conversation.reply_failed",
                subject=job.patient_code,
                item_id=job.item_id,
            )
    if result.blocked and job.direction == conversation.OUT:
        patient = await patients.by_code(session, job.patient_code)
        await patients.mark_unreachable(
            session, patient, now=now, reason="reply_not_delivered", realert=realert
        )


# -- the morning digest ---------------------------------------------------------------------

DIGEST_ACTION = "inbox.digest"
DIGEST_SIZE = 15


@dataclass(frozen=True)
class Digest:
    entries: list[conversation.InboxEntry]
    total: int


async def take_digest(db: Database, clock: Clock, hours: OfficeHours) -> Digest | None:
    """Once per office day, during office hours: what came before the office opened and is
    still unhandled (None otherwise; what comes later is in the group as it comes).

    The day's digest is claimed by its audit entry, so it is posted once even across
    restarts; nothing is posted when nothing waits.
    """
    now = clock.now()
    if not hours.is_open(now):
        return None
    day = f"day:{hours.local(now).date().isoformat()}"
    async with db.uow() as uow:
        done = await uow.session.scalar(
            select(AuditEntry.id)
            .where(AuditEntry.action == DIGEST_ACTION, AuditEntry.subject == day)
            .limit(1)
        )
        if done is not None:
            return None
        opened = hours.opening(now)
        total = await conversation.count_open(uow.session, before=opened)
        entries = await conversation.entries(uow.session, limit=DIGEST_SIZE, before=opened)
        audit.record(
            uow.session, at=now, actor="system", action=DIGEST_ACTION, subject=day, waiting=total
        )
        await uow.commit()
    return Digest(entries, total) if total else None
