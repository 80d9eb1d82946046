"""May this Telegram user act for the care team here? Checked, and every refusal audited,
before anything happens (in one unit of work of its own).

Past the throttle's allowance a person's attempts are refused from memory, without a
database write (RefusedQuietly); crossing it is audited once. Nothing here talks to
Telegram: the caller says "not allowed" where only the person sees it.
"""

from __future__ import annotations

from collections.abc import Collection

import structlog

from care.domain.clock import Clock
from care.domain.errors import NotAllowed, RefusedQuietly
from care.storage import audit, coordinators
from care.storage.db import Database
from care.storage.models import Coordinator
from care.storage.throttle import AttemptThrottle

log = structlog.get_logger(__name__)


async def require_coordinator(
    db: Database,
    clock: Clock,
    throttle: AttemptThrottle,
    *,
    user_id: int,
    chat_id: int,
    private_chat: bool,
    listed: Collection[int],
    coordinator_chat_id: int | None,
    action: str,
) -> None:
    """Return when a coordinator acts in a private chat or the team's group; otherwise raise
    NotAllowed (the attempt audited) or, past the allowance, RefusedQuietly."""
    key = str(user_id)
    if throttle.blocked(key):
        log.info("refusal_throttled", action="coordinator.refused", user_id=user_id)
        raise RefusedQuietly(f"user {user_id} refused too often")
    async with db.uow() as uow:
        try:
            await coordinators.require_coordinator(
                uow.session,
                user_id=user_id,
                chat_id=chat_id,
                private=private_chat,
                listed=listed,
                coordinator_chat_id=coordinator_chat_id,
                action=action,
                now=clock.now(),
            )
        except NotAllowed:
            if throttle.failed(key):
                audit.record(
                    uow.session,
                    at=clock.now(),
                    actor=f"telegram:{user_id}",
                    action="coordinator.refusals_throttled",
                    subject=action,
                    chat_id=chat_id,
                )
            await uow.commit()  # keep the audit entry of the refused attempt
            raise


async def change_coordinator(
    db: Database, clock: Clock, user_id: int, *, add: bool, actor: str
) -> bool:
    """Add or remove a coordinator kept in the database (audited); False if nothing changed
    (already there, or not there)."""
    async with db.uow() as uow:
        change = coordinators.add if add else coordinators.remove
        changed = await change(uow.session, user_id, actor=actor, now=clock.now())
        await uow.commit()
    return changed


async def added_coordinators(db: Database) -> list[Coordinator]:
    """The coordinators added with ``spinecare coordinator add``, with who added them."""
    async with db.uow() as uow:
        return list(await coordinators.stored(uow.session))
