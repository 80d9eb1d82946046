"""What patients write outside a question: stored whole before anything else happens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from care.models import InboundMessage, Patient


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
        text=text,
        received_at=now,
    )
    session.add(message)
    return message
