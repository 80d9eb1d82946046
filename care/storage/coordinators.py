"""Who may act as a coordinator, and where.

A coordinator is a Telegram user listed in SPINECARE_COORDINATOR_IDS or added with
``spinecare coordinator add``; coordinator commands work only in a private chat with the bot
or in the coordinators' group. Every refusal is audited.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.errors import InvalidInput, NotAllowed
from care.storage import audit
from care.storage.models import Coordinator


async def is_coordinator(session: AsyncSession, user_id: int, listed: Collection[int]) -> bool:
    if user_id in listed:
        return True
    return await session.get(Coordinator, user_id) is not None


async def require_coordinator(
    session: AsyncSession,
    *,
    user_id: int,
    chat_id: int,
    private: bool,
    listed: Collection[int],
    coordinator_chat_id: int | None,
    action: str,
    now: datetime,
) -> None:
    """Raise NotAllowed (and audit the attempt) unless a coordinator acts in an allowed chat."""
    allowed_chat = private or chat_id == coordinator_chat_id
    if allowed_chat and await is_coordinator(session, user_id, listed):
        return
    audit.record(
        session,
        at=now,
        actor=f"telegram:{user_id}",
        action="coordinator.refused",
        subject=action,
        chat_id=chat_id,
    )
    raise NotAllowed(f"user {user_id} may not {action} here")


async def add(session: AsyncSession, user_id: int, *, actor: str, now: datetime) -> bool:
    """Add a coordinator; False if already there."""
    if user_id <= 0:
        raise InvalidInput("a coordinator is a Telegram user id, a positive number")
    if await session.get(Coordinator, user_id) is not None:
        return False
    session.add(Coordinator(telegram_user_id=user_id, added_by=actor, added_at=now))
    audit.record(session, at=now, actor=actor, action="coordinator.added", subject=str(user_id))
    return True


async def remove(session: AsyncSession, user_id: int, *, actor: str, now: datetime) -> bool:
    """Remove a coordinator added here; False if not found (settings-listed ones stay listed)."""
    coordinator = await session.get(Coordinator, user_id)
    if coordinator is None:
        return False
    await session.delete(coordinator)
    audit.record(session, at=now, actor=actor, action="coordinator.removed", subject=str(user_id))
    return True


async def stored(session: AsyncSession) -> list[Coordinator]:
    return list((await session.scalars(select(Coordinator).order_by(Coordinator.added_at))).all())
