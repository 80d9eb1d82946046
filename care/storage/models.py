"""SQLAlchemy models: the one declaration of the schema that Alembic migrations must match.

Personal data is kept to the minimum: a pseudonymous patient code, the Telegram chat id,
an optional display name. Clinical free text lives only in ``inbound_messages`` and
``checkin_answers``; logs and the audit log never carry it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from care.domain.kinds import AlertSource, ItemKind, MessageKind
from care.domain.plan import Approach

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which has no time zones) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} refused: store aware UTC instants")
        from datetime import UTC

        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PatientStatus(enum.StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    UNREACHABLE = "unreachable"
    DELETED = "deleted"


class MessageState(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AlertState(enum.StrEnum):
    AWAITING = "awaiting"  # a possible sign in free text, waiting for the patient to confirm
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CALLED = "called"
    RESOLVED = "resolved"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(32))  # shown to coordinators only
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    surgery_date: Mapped[date | None] = mapped_column(Date)
    approach: Mapped[Approach | None] = mapped_column(_enum(Approach, "approach"))
    level: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[PatientStatus] = mapped_column(_enum(PatientStatus, "patient_status"))
    waking_start: Mapped[time] = mapped_column(Time)
    waking_end: Mapped[time] = mapped_column(Time)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # consent to health data (sensitive data), a separate explicit choice with its own text
    health_consent_version: Mapped[str | None] = mapped_column(String(16))
    health_consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_until: Mapped[date | None] = mapped_column(Date)
    scheduled_through: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Invite(Base):
    """A single-use invite. Only a hash of the code is stored, so a database leak opens nothing."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The chat that opened the link and is being asked for consent; nothing else is kept
    # about it before consent, and it is cleared if consent is declined.
    pending_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class ScheduledMessage(Base):
    """One occurrence of a message to one patient: the durable schedule and delivery state.

    State moves pending -> claimed -> sent | skipped | failed (or cancelled when the plan changes).
    A claim carries a lease: if the worker dies, the row becomes claimable again when it expires.
    """

    __tablename__ = "scheduled_messages"
    __table_args__ = (
        UniqueConstraint("patient_id", "dedupe_key"),
        Index("ix_scheduled_messages_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, "message_kind"))
    payload_key: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(80))
    post_op_day: Mapped[int | None] = mapped_column(Integer)
    local_date: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[MessageState] = mapped_column(_enum(MessageState, "message_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # An earlier send may have reached Telegram (its worker died holding the claim, or
    # Telegram's answer never came); a re-send of it has started (care/storage/outbox.py).
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resend_started: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DeliveryAttempt(Base):
    """Each try to deliver a scheduled message, with Telegram's answer: the delivery record."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheduled_message_id: Mapped[int] = mapped_column(
        ForeignKey("scheduled_messages.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(200))


class CheckIn(Base):
    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    scheduled_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_messages.id", ondelete="SET NULL")
    )
    post_op_day: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    tier: Mapped[str | None] = mapped_column(String(8))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)


class CheckInAnswer(Base):
    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("checkin_id", "question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InboundMessage(Base):
    """Everything a patient types outside a question, kept whole: nothing sent is lost."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tier: Mapped[str | None] = mapped_column(String(8))
    flags: Mapped[list[int] | None] = mapped_column(JSON)


class ConversationItem(Base):
    """One step of a patient's conversation with the care team (care/storage/conversation.py).

    Inbound (``direction`` "in"): what the patient wrote or did, with its state
    new -> seen -> handled (who and when); posted to the coordinators' group as a card.
    Outbound ("out"): a reply from the team, delivered to the patient. ``post_state`` is the
    durable outbox of either: pending -> claimed -> posted | failed, with a lease.
    """

    __tablename__ = "conversation_items"
    __table_args__ = (
        Index("ix_conversation_items_post", "post_state", "created_at"),
        Index("ix_conversation_items_state", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind, "item_kind"))
    text: Mapped[str | None] = mapped_column(Text)
    tier: Mapped[str | None] = mapped_column(String(8))
    attachment: Mapped[str | None] = mapped_column(String(16))
    file_id: Mapped[str | None] = mapped_column(String(255))
    chat_message_id: Mapped[int | None] = mapped_column(BigInteger)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(48))
    seen_by: Mapped[str | None] = mapped_column(String(48))
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(48))
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    post_state: Mapped[str] = mapped_column(String(16))
    post_attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    post_error: Mapped[str | None] = mapped_column(String(200))


class CardPost(Base):
    """A message of the coordinators' group that shows a conversation item (or an alert).

    A coordinator's Telegram reply to it is routed to the patient. ``patient_code`` (the
    pseudonymous code) stays after /delete so such a reply gets a clear answer; ``item_id``
    is cleared with the item.
    """

    __tablename__ = "card_posts"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_items.id", ondelete="SET NULL"), index=True
    )
    patient_code: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReceivedUpdate(Base):
    """One row per Telegram update taken in, written before anything acts on it.

    ``update_id`` is unique, and so is ``message_key`` (chat and message id of a new message):
    an update Telegram delivers again, by polling or webhook, is recognised and handled once.
    """

    __tablename__ = "received_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    message_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_open", "state", "next_escalation_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    severity: Mapped[str] = mapped_column(String(8))
    source: Mapped[AlertSource] = mapped_column(_enum(AlertSource, "alert_source"))
    flags: Mapped[list[int]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[AlertState] = mapped_column(_enum(AlertState, "alert_state"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    called_by: Mapped[int | None] = mapped_column(BigInteger)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Who is posting it now, until when (scheduler/escalation.py: claim, send, record).
    post_claimed_by: Mapped[str | None] = mapped_column(String(64))
    post_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SendPace(Base):
    """The next free send time of one pace (the bot, a chat): shared by every process."""

    __tablename__ = "send_pace"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(64))
    text_ko: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)


class Coordinator(Base):
    __tablename__ = "coordinators"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_by: Mapped[str] = mapped_column(String(40))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """Append-only (the migration installs triggers that refuse UPDATE and DELETE).

    ``actor`` is ``system``, ``cli``, ``coordinator:<telegram id>`` or ``patient:<code>``;
    ``detail`` holds ids and states, never clinical text or names.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(48))
    action: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str | None] = mapped_column(String(48))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ConsoleLink(Base):
    """A one-time sign-in link to the care team's web console: only its hash is stored."""

    __tablename__ = "console_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    coordinator_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConsoleSession(Base):
    """A signed-in console session: the cookie's hash, its CSRF token, idle time and end."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    coordinator_id: Mapped[int] = mapped_column(BigInteger, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
