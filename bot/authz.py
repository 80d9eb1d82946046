"""Coordinator-only actions: checked, and every refusal audited, before anything happens."""

from __future__ import annotations

from bot.services import BotServices
from care import coordinators
from care.errors import NotAllowed


async def ensure_coordinator(
    services: BotServices, *, user_id: int, chat_id: int, chat_type: str, action: str
) -> None:
    """Raise NotAllowed unless a listed coordinator acts in a private chat or the team's group."""
    async with services.db.uow() as uow:
        try:
            await coordinators.require_coordinator(
                uow.session,
                user_id=user_id,
                chat_id=chat_id,
                private=chat_type == "private",
                listed=services.config.coordinator_ids,
                coordinator_chat_id=services.config.coordinator_chat_id,
                action=action,
                now=services.clock.now(),
            )
        except NotAllowed:
            await uow.commit()  # keep the audit entry of the refused attempt
            raise
