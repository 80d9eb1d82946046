"""One pace for the bot, shared by every process: reservations of send times (GCRA).

Telegram allows a bot about 30 messages a second in all, about one a second in a private chat
and 20 a minute in a group, and answers 429 beyond. Each limit is a *pace*: a key (``bot``,
``chat:<id>``) whose ``next_at`` is the earliest time the next send may go. A sender reserves
a send time with ``reserve(key, interval, burst, horizon)`` in one statement:

    start   = max(next_at, now)
    granted if start - now - burst <= horizon      (the sender's look-ahead, by priority)
    next_at = start + interval                     (when granted)
    wait    = max(0, start - now - burst)          (sleep this long, then send)

``burst`` (seconds) lets a quiet chat take a few messages at once (0 for the bot: evenly
spaced, no burst after a pause); ``horizon`` is how far ahead a sender may book: alerts and
a patient's replies book far ahead, so they are served at the next free slot; reminders and
broadcasts only book the slot about to come, so they never queue in front of them.
A refused reservation says how long to wait before trying again. After a 429 the key is
pushed to ``now + retry_after`` (``hold``), and sends resume at the pace, without a burst.

``DatabasePace`` keeps the paces in the ``send_pace`` table (PostgreSQL: one statement per
reservation, in autocommit, on the database's clock), so any number of workers and the bot
share them. ``MemoryPace`` is the same in one process (SQLite runs one process anyway).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Reservation:
    granted: bool
    wait: float  # granted: sleep this long, then send; refused: try again after this long


class PaceStore(Protocol):
    async def reserve(
        self, key: str, *, interval: float, burst: float, horizon: float
    ) -> Reservation: ...

    async def hold(self, key: str, *, seconds: float) -> None: ...


class MemoryPace:
    """Paces in this process's memory, on the monotonic clock."""

    def __init__(self) -> None:
        self._next_at: dict[str, float] = {}

    async def reserve(
        self, key: str, *, interval: float, burst: float, horizon: float
    ) -> Reservation:
        now = time.monotonic()
        start = max(self._next_at.get(key, now), now)
        ahead = start - now - burst
        if ahead > horizon:
            return Reservation(False, ahead - horizon)
        self._next_at[key] = start + interval
        return Reservation(True, max(0.0, ahead))

    async def hold(self, key: str, *, seconds: float) -> None:
        now = time.monotonic()
        self._next_at[key] = max(self._next_at.get(key, now), now + seconds)


_RESERVE = text(
    """
    INSERT INTO send_pace AS p (key, next_at)
    VALUES (:key, statement_timestamp() + make_interval(secs => CAST(:interval AS float8)))
    ON CONFLICT (key) DO UPDATE
    SET next_at = GREATEST(p.next_at, statement_timestamp())
                  + make_interval(secs => CAST(:interval AS float8))
    WHERE GREATEST(p.next_at, statement_timestamp()) <= statement_timestamp()
          + make_interval(secs => CAST(:burst AS float8) + CAST(:horizon AS float8))
    RETURNING EXTRACT(EPOCH FROM (p.next_at - statement_timestamp())) AS ahead
    """
)
_AHEAD = text(
    "SELECT EXTRACT(EPOCH FROM (next_at - statement_timestamp())) FROM send_pace WHERE key = :key"
)
_HOLD = text(
    """
    INSERT INTO send_pace AS p (key, next_at)
    VALUES (:key, statement_timestamp() + make_interval(secs => CAST(:seconds AS float8)))
    ON CONFLICT (key) DO UPDATE
    SET next_at = GREATEST(
        p.next_at, statement_timestamp() + make_interval(secs => CAST(:seconds AS float8))
    )
    """
)


class DatabasePace:
    """Paces in the ``send_pace`` table, shared by every process on one PostgreSQL database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def reserve(
        self, key: str, *, interval: float, burst: float, horizon: float
    ) -> Reservation:
        params = {"key": key, "interval": interval, "burst": burst, "horizon": horizon}
        async with self.engine.connect() as connection:
            ahead = (await connection.execute(_RESERVE, params)).scalar()
            if ahead is not None:  # granted: `ahead` is the new next_at, one interval on
                return Reservation(True, max(0.0, float(ahead) - interval - burst))
            current = (await connection.execute(_AHEAD, {"key": key})).scalar()
        return Reservation(False, max(0.001, float(current or 0.0) - burst - horizon))

    async def hold(self, key: str, *, seconds: float) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(_HOLD, {"key": key, "seconds": seconds})
