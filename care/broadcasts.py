"""Broadcasts: one notice to many patients, sent as durable deliveries by the dispatcher.

A broadcast is not a loop in a handler. ``create`` (or ``draft`` then ``send``) writes one
``scheduled_messages`` row per recipient (kind ``broadcast``, ``broadcast_id`` set, due now,
dedupe key ``broadcast:<id>``), and the dispatcher sends them like any other message: within
Telegram's limits, under leases, surviving a restart with the duplicate bound of
``care/outbox.py``. Each patient gets the text of their language, or the other one when the
broadcast has only one.

States: ``draft`` (previewed, nothing to send) -> ``sending`` -> ``done``; ``sending`` ->
``cancelling`` (pending deliveries cancelled, in-flight ones settling) -> ``cancelled``;
``draft`` -> ``discarded``. Every step is audited with ids and counts, never the text.

Audiences (``parse_audience``): ``all`` active patients; ``week:1-2`` patients in post-op
weeks 1 to 2 (week 1 is days 0-6, the surgery day being day 0, counted in the patient's own
time zone); ``approach:transforaminal``; ``language:en``; ``patient:CODE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care import audit
from care.clock import require_aware
from care.codes import normalise_patient_code
from care.errors import InvalidInput, NotFound
from care.models import (
    Approach,
    Broadcast,
    DeliveryAttempt,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)
from care.plan import LANGUAGES, next_waking_instant, parse_approach

KIND = "broadcast"
TEXT_LIMIT = 4096  # Telegram's limit for one message
MAX_WEEK = 52
INSERT_CHUNK = 500

DRAFT = "draft"
SENDING = "sending"
DONE = "done"
CANCELLING = "cancelling"
CANCELLED = "cancelled"
DISCARDED = "discarded"
RUNNING = (SENDING, CANCELLING)

AudienceKind = Literal["all", "week", "approach", "language", "patient"]
AUDIENCE_HELP = "all, week:1-2, approach:transforaminal, language:en or patient:CODE"


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to; ``str()`` gives the canonical form that ``parse_audience`` reads."""

    kind: AudienceKind
    first_week: int | None = None
    last_week: int | None = None
    approach: Approach | None = None
    language: str | None = None
    patient_code: str | None = None

    def __str__(self) -> str:
        match self.kind:
            case "week":
                if self.first_week == self.last_week:
                    return f"week:{self.first_week}"
                return f"week:{self.first_week}-{self.last_week}"
            case "approach":
                assert self.approach is not None
                return f"approach:{self.approach.value}"
            case "language":
                return f"language:{self.language}"
            case "patient":
                return f"patient:{self.patient_code}"
        return "all"


def parse_audience(text: str) -> Audience:
    """Read an audience such as ``week:1-2``; raise InvalidInput saying what is accepted."""
    spec = text.strip()
    key, separator, value = spec.partition(":")
    key, value = key.strip().lower(), value.strip()
    if key == "all" and not separator:
        return Audience("all")
    if not value:
        raise InvalidInput(f"audience {spec!r} not understood; use {AUDIENCE_HELP}")
    if key == "week":
        first, last = _weeks(value)
        return Audience("week", first_week=first, last_week=last)
    if key == "approach":
        return Audience("approach", approach=parse_approach(value))
    if key == "language":
        if value.lower() not in LANGUAGES:
            raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
        return Audience("language", language=value.lower())
    if key == "patient":
        code = normalise_patient_code(value)
        if len(code) > 16 or not all(c.isalnum() or c == "-" for c in code):
            raise InvalidInput(f"{value!r} is not a patient code such as P-7KQ2MX")
        return Audience("patient", patient_code=code)
    raise InvalidInput(f"audience {spec!r} not understood; use {AUDIENCE_HELP}")


def _weeks(value: str) -> tuple[int, int]:
    first_text, dash, last_text = value.replace("–", "-").partition("-")
    try:
        first = int(first_text)
        last = int(last_text) if dash else first
    except ValueError:
        raise InvalidInput(f"week range {value!r} should look like 1-2 or 3") from None
    if not 1 <= first <= last <= MAX_WEEK:
        raise InvalidInput(f"weeks run from 1 to {MAX_WEEK}, the first not after the last")
    return first, last


def post_op_week(surgery_date: date, zone: str, now: datetime) -> int | None:
    """Week 1 is days 0-6 after surgery in the patient's zone; None before the surgery."""
    day = (require_aware(now).astimezone(ZoneInfo(zone)).date() - surgery_date).days
    return day // 7 + 1 if day >= 0 else None


@dataclass(frozen=True)
class Recipient:
    patient_id: int
    language: str
    timezone: str
    waking_start: time
    waking_end: time


async def recipients(session: AsyncSession, audience: Audience, now: datetime) -> list[Recipient]:
    """Active patients with a chat who match the audience, by patient id."""
    query = (
        select(
            Patient.id,
            Patient.language,
            Patient.timezone,
            Patient.surgery_date,
            Patient.waking_start,
            Patient.waking_end,
        )
        .where(Patient.status == PatientStatus.ACTIVE, Patient.chat_id.is_not(None))
        .order_by(Patient.id)
    )
    if audience.kind == "approach":
        query = query.where(Patient.approach == audience.approach)
    elif audience.kind == "language":
        query = query.where(Patient.language == audience.language)
    elif audience.kind == "patient":
        exists = await session.scalar(
            select(Patient.id).where(Patient.code == audience.patient_code)
        )
        if exists is None:
            raise NotFound(f"no patient {audience.patient_code}")
        query = query.where(Patient.code == audience.patient_code)
    elif audience.kind == "week":
        assert audience.first_week is not None and audience.last_week is not None
        today = require_aware(now).astimezone(UTC).date()
        # a day of margin either way: the patient's local date may differ from UTC's
        earliest = today - timedelta(days=7 * audience.last_week + 1)
        latest = today - timedelta(days=7 * (audience.first_week - 1) - 1)
        query = query.where(Patient.surgery_date.between(earliest, latest))
    found: list[Recipient] = []
    for row in (await session.execute(query)).all():
        if audience.kind == "week":
            week = post_op_week(row.surgery_date, row.timezone, now)
            assert audience.first_week is not None and audience.last_week is not None
            if week is None or not audience.first_week <= week <= audience.last_week:
                continue
        found.append(
            Recipient(row.id, row.language, row.timezone, row.waking_start, row.waking_end)
        )
    return found


async def preview(session: AsyncSession, audience: Audience, now: datetime) -> int:
    """How many patients a broadcast to this audience would reach now."""
    return len(await recipients(session, audience, now))


def _clean_texts(text_ko: str | None, text_en: str | None) -> tuple[str | None, str | None]:
    cleaned = tuple((text or "").strip() or None for text in (text_ko, text_en))
    if cleaned == (None, None):
        raise InvalidInput("a broadcast needs a text")
    for text in cleaned:
        if text is not None and len(text) > TEXT_LIMIT:
            raise InvalidInput(f"a broadcast text is at most {TEXT_LIMIT} characters")
    return cleaned[0], cleaned[1]


async def draft(
    session: AsyncSession,
    *,
    text_ko: str | None,
    text_en: str | None,
    audience: Audience,
    actor: str,
    now: datetime,
    progress_chat_id: int | None = None,
) -> tuple[Broadcast, int]:
    """A previewed broadcast, nothing to send yet; returns it and the recipients counted now."""
    korean, english = _clean_texts(text_ko, text_en)
    count = await preview(session, audience, now)
    broadcast = Broadcast(
        created_by=actor[:40],
        audience=str(audience),
        text_ko=korean,
        text_en=english,
        state=DRAFT,
        created_at=now,
        progress_chat_id=progress_chat_id,
    )
    session.add(broadcast)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="broadcast.drafted",
        subject=f"broadcast:{broadcast.id}",
        audience=broadcast.audience,
        recipients=count,
    )
    return broadcast, count


async def send(session: AsyncSession, broadcast_id: int, *, actor: str, now: datetime) -> int:
    """Confirm a draft: one pending delivery per recipient, due now. Returns how many.

    A second confirmation (a double tap) finds the broadcast no longer a draft and raises
    InvalidInput: nothing is queued twice.
    """
    broadcast = await _locked(session, broadcast_id)
    if broadcast.state != DRAFT:
        raise InvalidInput(f"broadcast {broadcast_id} is {broadcast.state}, not a draft")
    found = await recipients(session, parse_audience(broadcast.audience), now)
    if not found:
        raise InvalidInput(f"no active patient matches audience {broadcast.audience}")
    rows = [_delivery(broadcast_id, recipient, now) for recipient in found]
    for index in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(ScheduledMessage), rows[index : index + INSERT_CHUNK])
    broadcast.state = SENDING
    audit.record(
        session,
        at=now,
        actor=actor,
        action="broadcast.sent",
        subject=f"broadcast:{broadcast_id}",
        audience=broadcast.audience,
        recipients=len(rows),
    )
    return len(rows)


async def create(
    session: AsyncSession,
    *,
    text_ko: str | None,
    text_en: str | None,
    audience: Audience,
    actor: str,
    now: datetime,
    progress_chat_id: int | None = None,
) -> Broadcast:
    """Draft and send at once (the CLI with --yes, tests)."""
    broadcast, _ = await draft(
        session,
        text_ko=text_ko,
        text_en=text_en,
        audience=audience,
        actor=actor,
        now=now,
        progress_chat_id=progress_chat_id,
    )
    await send(session, broadcast.id, actor=actor, now=now)
    return broadcast


def _delivery(broadcast_id: int, recipient: Recipient, now: datetime) -> dict[str, Any]:
    """Due now, or when the patient's waking window next opens: no broadcast in quiet hours."""
    due = next_waking_instant(
        require_aware(now), recipient.timezone, recipient.waking_start, recipient.waking_end
    )
    local = due.astimezone(ZoneInfo(recipient.timezone))
    key = f"{KIND}:{broadcast_id}"
    return {
        "patient_id": recipient.patient_id,
        "kind": KIND,
        "payload_key": key,
        "dedupe_key": key,
        "post_op_day": None,
        "local_date": local.date(),
        "local_time": local.time().replace(tzinfo=None),
        "timezone": recipient.timezone,
        "due_at": due.astimezone(UTC),
        "state": MessageState.PENDING,
        "attempts": 0,
        "broadcast_id": broadcast_id,
        "created_at": now,
    }


async def cancel(session: AsyncSession, broadcast_id: int, *, actor: str, now: datetime) -> int:
    """Stop a broadcast: a draft is discarded; a running one has its pending deliveries
    cancelled (those already with Telegram settle). Returns the deliveries cancelled."""
    broadcast = await _locked(session, broadcast_id)
    cancelled = 0
    if broadcast.state == DRAFT:
        broadcast.state = DISCARDED
    elif broadcast.state == SENDING:
        result = await session.execute(
            update(ScheduledMessage)
            .where(
                ScheduledMessage.broadcast_id == broadcast_id,
                ScheduledMessage.state == MessageState.PENDING,
            )
            .values(state=MessageState.CANCELLED, last_error="cancelled: broadcast")
            .execution_options(synchronize_session=False)
        )
        cancelled = max(0, int(getattr(result, "rowcount", 0) or 0))
        broadcast.state = CANCELLING
    else:
        return 0
    broadcast.cancelled_at = now
    audit.record(
        session,
        at=now,
        actor=actor,
        action="broadcast.cancelled",
        subject=f"broadcast:{broadcast_id}",
        cancelled=cancelled,
        state=broadcast.state,
    )
    return cancelled


@dataclass(frozen=True)
class Report:
    broadcast_id: int
    state: str
    audience: str
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    pending: int = 0  # not settled yet: pending, or claimed by a worker
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.failed + self.pending + self.cancelled

    @property
    def settled(self) -> int:
        return self.total - self.pending

    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "blocked": self.blocked,
            "failed": self.failed,
            "pending": self.pending,
            "cancelled": self.cancelled,
            "total": self.total,
        }


async def report(session: AsyncSession, broadcast_id: int) -> Report:
    """What became of each delivery. Blocked: Telegram said the patient blocked the bot (403)
    or the chat is gone; such a delivery is failed for good, never retried."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    by_state = {
        MessageState(state): int(count)
        for state, count in (
            await session.execute(
                select(ScheduledMessage.state, func.count())
                .where(ScheduledMessage.broadcast_id == broadcast_id)
                .group_by(ScheduledMessage.state)
            )
        ).all()
    }
    blocked = int(
        await session.scalar(
            select(func.count(func.distinct(ScheduledMessage.id)))
            .join(DeliveryAttempt, DeliveryAttempt.scheduled_message_id == ScheduledMessage.id)
            .where(
                ScheduledMessage.broadcast_id == broadcast_id,
                ScheduledMessage.state == MessageState.FAILED,
                DeliveryAttempt.outcome == "blocked",
            )
        )
        or 0
    )
    return Report(
        broadcast_id=broadcast_id,
        state=broadcast.state,
        audience=broadcast.audience,
        sent=by_state.get(MessageState.SENT, 0),
        blocked=blocked,
        failed=by_state.get(MessageState.FAILED, 0) - blocked,
        pending=by_state.get(MessageState.PENDING, 0) + by_state.get(MessageState.CLAIMED, 0),
        cancelled=by_state.get(MessageState.CANCELLED, 0) + by_state.get(MessageState.SKIPPED, 0),
    )


async def settle(session: AsyncSession, broadcast_id: int, *, now: datetime) -> Report:
    """The report; a running broadcast with nothing left in flight becomes done or cancelled."""
    found = await report(session, broadcast_id)
    if found.state not in RUNNING or found.pending:
        return found
    broadcast = await _locked(session, broadcast_id)
    if broadcast.state not in RUNNING:
        return found
    broadcast.state = DONE if broadcast.state == SENDING else CANCELLED
    audit.record(
        session,
        at=now,
        actor="system",
        action="broadcast.finished",
        subject=f"broadcast:{broadcast_id}",
        state=broadcast.state,
        **found.counts(),
    )
    return replace(found, state=broadcast.state)


async def running(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts still sending or settling a cancellation, oldest first."""
    return list(
        await session.scalars(
            select(Broadcast).where(Broadcast.state.in_(RUNNING)).order_by(Broadcast.id)
        )
    )


async def recent(session: AsyncSession, *, limit: int = 20) -> list[Broadcast]:
    return list(await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, *, chat_id: int, message_id: int
) -> None:
    """The message that shows the broadcast's progress, edited in place until the report."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class BroadcastText:
    """What the dispatcher needs to send a broadcast's delivery."""

    id: int
    text_ko: str | None
    text_en: str | None
    state: str

    @property
    def deliverable(self) -> bool:
        return self.state == SENDING

    def text_for(self, language: str) -> str:
        """The patient's language, else the other one."""
        preferred, other = (
            (self.text_en, self.text_ko) if language == "en" else (self.text_ko, self.text_en)
        )
        text = preferred or other
        if text is None:
            raise ValueError(f"broadcast {self.id} has no text")
        return text


async def texts(session: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, BroadcastText]:
    """The texts and states of the broadcasts a claimed batch belongs to."""
    if not broadcast_ids:
        return {}
    rows = await session.execute(
        select(Broadcast.id, Broadcast.text_ko, Broadcast.text_en, Broadcast.state).where(
            Broadcast.id.in_(set(broadcast_ids))
        )
    )
    return {row.id: BroadcastText(row.id, row.text_ko, row.text_en, row.state) for row in rows}


async def _locked(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast
