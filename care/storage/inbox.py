"""What patients write outside a question: stored whole before anything else happens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.storage.models import InboundMessage, Patient


def storable(text: str) -> str:
    """The text as sent, made safe for every database: PostgreSQL refuses NUL in text, and
    no driver encodes a lone surrogate. NUL carries no meaning a person can type, so it is
    dropped; a broken surrogate becomes U+FFFD. Every other character is kept as sent."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)
    return text


def keep(
    session: AsyncSession,
    *,
    patient: Patient | None,
    chat_id: int,
    telegram_message_id: int | None,
    text: str,
    now: datetime,
) -> InboundMessage:
    """Store a patient's message as sent, whatever its length or content."""
    message = InboundMessage(
        patient_id=patient.id if patient else None,
        chat_id=chat_id,
        telegram_message_id=telegram_message_id,
        text=storable(text),
        received_at=now,
    )
    session.add(message)
    return message


async def received(
    session: AsyncSession, *, chat_id: int, telegram_message_id: int
) -> InboundMessage | None:
    """The message as kept when it arrived (the latest, for an edited one)."""
    return await session.scalar(
        select(InboundMessage)
        .where(
            InboundMessage.chat_id == chat_id,
            InboundMessage.telegram_message_id == telegram_message_id,
        )
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )
