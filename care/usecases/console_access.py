"""Sign-in to the care team's web console, without passwords.

A listed coordinator asks the bot (``/console`` in a private chat) or the command line
(``spinecare console-link``) for a one-time link: 192 random bits, single use, valid for
``LINK_TTL``, and only its SHA-256 is stored. Opening it starts a session whose cookie is
another random token (hashed in the database too) with its own CSRF token. A session ends at
logout, after ``IDLE_LIMIT`` without a request, or at once when its coordinator is no longer
listed. Every step, refusals included, is audited with the coordinator's id.

The times here are the console's own wall clock (``now`` passed in), not the care clock:
the sandbox's demo clock moves the plan forward, and must not sign anyone out.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.errors import NotAllowed
from care.domain.plan import LANGUAGES
from care.storage import audit, coordinators
from care.storage.db import Database
from care.storage.models import ConsoleLink, ConsoleSession

LINK_TTL = timedelta(minutes=10)
IDLE_LIMIT = timedelta(hours=12)
TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters
TOUCH_EVERY = timedelta(minutes=1)  # write last_seen_at at most this often


class LinkRefused(enum.StrEnum):
    UNKNOWN = "unknown"  # never issued, mistyped or forged
    USED = "used"
    EXPIRED = "expired"
    NOT_COORDINATOR = "not_coordinator"  # removed from the list since the link was issued


@dataclass(frozen=True)
class SignedIn:
    """What a browser keeps (the cookie's token) and what a page needs about its session."""

    session_id: int
    coordinator_id: int
    token: str
    csrf_token: str
    language: str


@dataclass(frozen=True)
class Session:
    session_id: int
    coordinator_id: int
    csrf_token: str
    language: str

    @property
    def actor(self) -> str:
        return f"coordinator:{self.coordinator_id}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return 16 <= len(token) <= 64 and all(c.isascii() and (c.isalnum() or c in "_-") for c in token)


async def issue_link(
    db: Database,
    *,
    coordinator_id: int,
    listed: Collection[int],
    actor: str,
    now: datetime,
) -> str:
    """A new one-time link token for a listed coordinator; NotAllowed (audited) otherwise."""
    async with db.uow() as uow:
        if not await coordinators.is_coordinator(uow.session, coordinator_id, listed):
            audit.record(
                uow.session,
                at=now,
                actor=actor,
                action="console.link_refused",
                subject=f"coordinator:{coordinator_id}",
                reason="not_coordinator",
            )
            await uow.commit()
            raise NotAllowed(f"{coordinator_id} is not a listed coordinator")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        uow.session.add(
            ConsoleLink(
                token_hash=token_hash(token),
                coordinator_id=coordinator_id,
                created_at=now,
                expires_at=now + LINK_TTL,
            )
        )
        audit.record(
            uow.session,
            at=now,
            actor=actor,
            action="console.link_issued",
            subject=f"coordinator:{coordinator_id}",
        )
        await uow.commit()
    return token


async def check_link(
    db: Database, token: str, *, listed: Collection[int], now: datetime
) -> LinkRefused | None:
    """Whether a link would open a session now (None) or why not; changes nothing."""
    async with db.uow() as uow:
        link = await _link(uow.session, token)
        return await _refusal(uow.session, link, listed, now)


async def open_link(
    db: Database, token: str, *, listed: Collection[int], language: str, now: datetime
) -> SignedIn | LinkRefused:
    """Use the link (once) and start a session; or say why not (audited, nothing else changes)."""
    async with db.uow() as uow:
        link = await _link(uow.session, token, lock=True)
        refused = await _refusal(uow.session, link, listed, now)
        if refused is not None or link is None:
            audit.record(
                uow.session,
                at=now,
                actor=f"coordinator:{link.coordinator_id}" if link else "console",
                action="console.signin_refused",
                subject=f"link:{link.id}" if link else None,
                reason=(refused or LinkRefused.UNKNOWN).value,
            )
            await uow.commit()
            return refused or LinkRefused.UNKNOWN
        link.used_at = now
        # The coordinator's last choice of language carries over to the new session.
        last = await uow.session.scalar(
            select(ConsoleSession.language)
            .where(ConsoleSession.coordinator_id == link.coordinator_id)
            .order_by(ConsoleSession.id.desc())
            .limit(1)
        )
        language = last or language
        session_token = secrets.token_urlsafe(TOKEN_BYTES)
        row = ConsoleSession(
            token_hash=token_hash(session_token),
            coordinator_id=link.coordinator_id,
            csrf_token=secrets.token_urlsafe(TOKEN_BYTES),
            language=language if language in LANGUAGES else LANGUAGES[0],
            created_at=now,
            last_seen_at=now,
        )
        uow.session.add(row)
        await uow.session.flush()
        audit.record(
            uow.session,
            at=now,
            actor=f"coordinator:{link.coordinator_id}",
            action="console.signed_in",
            subject=f"session:{row.id}",
            link_id=link.id,
        )
        await uow.commit()
    return SignedIn(row.id, row.coordinator_id, session_token, row.csrf_token, row.language)


async def current_session(
    db: Database, token: str, *, listed: Collection[int], now: datetime
) -> Session | None:
    """The live session of a cookie, its idle time renewed; None when there is none.

    A session idle for ``IDLE_LIMIT`` ends; so does every session of a coordinator who is no
    longer listed, at their next request.
    """
    if not looks_like_token(token):
        return None
    async with db.uow() as uow:
        row = await uow.session.scalar(
            select(ConsoleSession).where(
                ConsoleSession.token_hash == token_hash(token), ConsoleSession.ended_at.is_(None)
            )
        )
        if row is None:
            return None
        reason = None
        if now - row.last_seen_at >= IDLE_LIMIT:
            reason = "idle"
        elif not await coordinators.is_coordinator(uow.session, row.coordinator_id, listed):
            reason = "not_coordinator"
        if reason is not None:
            await _end_all(uow.session, row.coordinator_id, now, reason, only=row.id)
            await uow.commit()
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
            await uow.commit()
        return Session(row.id, row.coordinator_id, row.csrf_token, row.language)


async def sign_out(db: Database, session: Session, *, now: datetime) -> None:
    async with db.uow() as uow:
        await _end_all(uow.session, session.coordinator_id, now, "logout", only=session.session_id)
        await uow.commit()


async def choose_language(db: Database, session: Session, language: str, *, now: datetime) -> bool:
    """The coordinator's choice of console language; False for a language we do not have."""
    if language not in LANGUAGES:
        return False
    async with db.uow() as uow:
        await uow.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == session.session_id)
            .values(language=language)
        )
        audit.record(
            uow.session,
            at=now,
            actor=session.actor,
            action="console.language",
            subject=f"session:{session.session_id}",
            language=language,
        )
        await uow.commit()
    return True


async def end_sessions_of(db: Database, coordinator_id: int, *, now: datetime, reason: str) -> int:
    """End every session of a coordinator (removed from the list); returns how many."""
    async with db.uow() as uow:
        ended = await _end_all(uow.session, coordinator_id, now, reason)
        await uow.commit()
    return ended


async def _end_all(
    session: AsyncSession,
    coordinator_id: int,
    now: datetime,
    reason: str,
    *,
    only: int | None = None,
) -> int:
    query = update(ConsoleSession).where(
        ConsoleSession.coordinator_id == coordinator_id, ConsoleSession.ended_at.is_(None)
    )
    if only is not None and reason in ("idle", "logout"):
        query = query.where(ConsoleSession.id == only)
    result = await session.execute(
        query.values(ended_at=now).execution_options(synchronize_session=False)
    )
    ended = max(0, int(getattr(result, "rowcount", 0) or 0))
    if ended:
        audit.record(
            session,
            at=now,
            actor=f"coordinator:{coordinator_id}" if reason == "logout" else "system",
            action="console.session_ended",
            subject=f"coordinator:{coordinator_id}",
            reason=reason,
            sessions=ended,
        )
    return ended


async def _link(session: AsyncSession, token: str, *, lock: bool = False) -> ConsoleLink | None:
    if not looks_like_token(token):
        return None
    query = select(ConsoleLink).where(ConsoleLink.token_hash == token_hash(token))
    return await session.scalar(query.with_for_update() if lock else query)


async def _refusal(
    session: AsyncSession, link: ConsoleLink | None, listed: Collection[int], now: datetime
) -> LinkRefused | None:
    if link is None:
        return LinkRefused.UNKNOWN
    if link.used_at is not None:
        return LinkRefused.USED
    if now >= link.expires_at:
        return LinkRefused.EXPIRED
    if not await coordinators.is_coordinator(session, link.coordinator_id, listed):
        return LinkRefused.NOT_COORDINATOR
    return None
