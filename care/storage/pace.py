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
reservation, in autocommit, on the database's clock, placed on each process's clock by the
shortest recent round trip: ``ClockOffset``), so any number of workers and the bot share
them. ``MemoryPace`` is the same in one process (SQLite runs one process anyway).

While the database cannot be reached, ``DatabasePace`` paces in this process's memory instead
(and tries the database again a second later): the bot still tells patients "received" and
sends alerts during an outage. (Found by stopping a real PostgreSQL server: every send
failed with "connection refused", the patient heard nothing.) Dispatch needs the database
anyway, so during an outage only this process's few sends go out, each process at the pace.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from care.storage.db import UNREACHABLE

log = structlog.get_logger(__name__)

# The database is not there (UNREACHABLE: refused, cut, hung past the timeout): pace in
# memory meanwhile.


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
    RETURNING EXTRACT(EPOCH FROM (p.next_at - statement_timestamp())) AS ahead,
              EXTRACT(EPOCH FROM statement_timestamp()) AS db_now
    """
)
_AHEAD = text(
    "SELECT EXTRACT(EPOCH FROM (next_at - statement_timestamp())),"
    " EXTRACT(EPOCH FROM statement_timestamp()) FROM send_pace WHERE key = :key"
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


class ClockOffset:
    """The database's clock on this process's monotonic clock.

    A reservation's time is the database's; a sender sleeps until it on its own clock. Each
    round trip gives the offset to within half its duration, so the offset kept is the one
    from the shortest round trip of the last ``keep`` seconds: on a loaded machine a slow
    round trip (tens of milliseconds) would otherwise place the time that far off, and two
    processes' sends would bunch though the database spaced them evenly.
    """

    def __init__(self, keep: float = 30.0) -> None:
        self.keep = keep
        self._best: tuple[float, float, float] | None = None  # (round trip, offset, when)

    def sample(self, sent: float, received: float, db_now: float) -> None:
        trip, offset = received - sent, db_now - (sent + received) / 2
        best = self._best
        if best is None or trip <= best[0] or received - best[2] > self.keep:
            self._best = (trip, offset, received)

    def local(self, db_time: float) -> float:
        """``db_time`` (seconds since the epoch on the database) on this monotonic clock."""
        assert self._best is not None, "sample() first"
        return db_time - self._best[1]


class DatabasePace:
    """Paces in the ``send_pace`` table, shared by every process on one PostgreSQL database;
    in memory while the database cannot be reached."""

    def __init__(
        self, engine: AsyncEngine, *, timeout: float = 2.0, retry_after: float = 1.0
    ) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.fallback = MemoryPace()
        self.timeout = timeout  # a reservation that takes longer: the database is away
        self.retry_after = retry_after  # seconds in memory before the database is tried again
        self._away_until = 0.0
        self.clock = ClockOffset()

    async def reserve(
        self, key: str, *, interval: float, burst: float, horizon: float
    ) -> Reservation:
        if time.monotonic() >= self._away_until:
            try:
                async with asyncio.timeout(self.timeout):
                    return await self._reserve(key, interval, burst, horizon)
            except UNREACHABLE as error:
                self._away(error)
        return await self.fallback.reserve(key, interval=interval, burst=burst, horizon=horizon)

    async def _reserve(
        self, key: str, interval: float, burst: float, horizon: float
    ) -> Reservation:
        params = {"key": key, "interval": interval, "burst": burst, "horizon": horizon}
        async with self.engine.connect() as connection:
            sent = time.monotonic()
            row = (await connection.execute(_RESERVE, params)).first()
            if row is not None:  # granted: `ahead` is the new next_at, one interval on
                ahead, db_now = float(row[0]), float(row[1])
                self.clock.sample(sent, time.monotonic(), db_now)
                start = self.clock.local(db_now) + ahead - interval - burst
                return Reservation(True, max(0.0, start - time.monotonic()))
            sent = time.monotonic()
            row = (await connection.execute(_AHEAD, {"key": key})).first()
        if row is None:
            return Reservation(False, 0.001)
        self.clock.sample(sent, time.monotonic(), float(row[1]))
        free = self.clock.local(float(row[1])) + float(row[0] or 0.0) - burst - horizon
        return Reservation(False, max(0.001, free - time.monotonic()))

    async def hold(self, key: str, *, seconds: float) -> None:
        await self.fallback.hold(key, seconds=seconds)
        if time.monotonic() < self._away_until:
            return
        try:
            async with asyncio.timeout(self.timeout), self.engine.connect() as connection:
                await connection.execute(_HOLD, {"key": key, "seconds": seconds})
        except UNREACHABLE as error:
            self._away(error)

    def _away(self, error: BaseException) -> None:
        if self._away_until == 0.0 or time.monotonic() > self._away_until + 60:
            log.warning("pace_in_memory", action="pace.fallback", error=type(error).__name__)
        self._away_until = time.monotonic() + self.retry_after
