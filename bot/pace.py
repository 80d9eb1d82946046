"""The bot's pace: python-telegram-bot's rate limiter over care.storage.pace's shared reservations.

Replaces PTB's AIORateLimiter, which limits the bot as a whole and groups but not private
chats (a chat's 4th message in a second got a 429 that paused everything), falls into a cycle
of bursts after a few 429s (15.9 msg/s for good), and is per process (two workers sent
2 x 29/s against Telegram's 30/s). Here every send (any method with a ``chat_id``) reserves
a time in its chat's pace and then in the bot's (care/storage/pace.py), in the database on
PostgreSQL, so every process shares them:

=============  ======================================================================
the bot        ``bot_per_second`` (29/s of Telegram's 30), evenly spaced, no burst
private chat   one a second, a quiet chat may take ``private_burst`` (2) at once; a
               reply to the patient books its time but does not wait for it (it answers
               the patient's own message: reminders to that chat wait instead)
group          a quiet group may take ``group_burst`` (9) at once (a coordinator's
               conversation), then ``group_per_minute`` (11): never more than 20 in a minute
=============  ======================================================================

The bot's and the groups' paces are shared (in the database on PostgreSQL); a private chat's
pace is kept in each process's memory, so that no table holds a patient's chat id after
/delete (a reply and a reminder to one chat from two processes at once may meet a 429: the
reply is retried, the reminder put back).

The shared reservations space sends evenly; a busy event loop can still wake several senders
late at once. So each process also keeps its own sends to ``bot_per_second`` in any second
and at least half an interval apart (``LocalWindow``): a late wake-up drains, not bursts.

Priorities: alerts, a patient's replies and everything else a handler sends are *urgent*:
they book the next free time however far ahead, and a 429 is waited out and retried until
sent (a patient's reply is never dropped by a retry cap). Reminders and broadcasts are
*bulk* (the dispatcher passes ``rate_limit_args={"bulk": True}``): they only book the time
about to come, so urgent sends overtake them, and a 429 goes back to the dispatcher, which
retries the message later. A 429 pushes the chat's and the bot's pace past ``retry_after``;
sends then resume at the pace, not in a burst.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.messenger import retry_after_seconds
from care.storage.db import Database
from care.storage.pace import DatabasePace, MemoryPace, PaceStore

log = structlog.get_logger(__name__)

BOT_KEY = "bot"
JSON = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True)
class PaceLimits:
    bot_per_second: float = 29.0
    private_per_second: float = 1.0
    private_burst: int = 2
    group_per_minute: float = 11.0  # with the burst: at most 20 in any minute
    group_burst: int = 9
    urgent_horizon: float = 60.0  # how far ahead an urgent send may book (seconds)
    bulk_horizon: float = 0.25  # bulk books only the next few slots


def pace_store(db: Database) -> PaceStore:
    """Shared in the database on PostgreSQL; in memory on SQLite (one process)."""
    return MemoryPace() if db.is_sqlite else DatabasePace(db.engine)


class LocalWindow:
    """This process's sends: at most ``limit`` in any ``period``, ``gap`` apart at least."""

    def __init__(self, limit: int, period: float, gap: float) -> None:
        self.limit = limit
        self.period = period
        self.gap = gap
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def enter(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._starts and self._starts[0] <= now - self.period:
                    self._starts.popleft()
                wait = 0.0
                if len(self._starts) >= self.limit:
                    wait = self._starts[0] + self.period - now
                if self._starts:
                    wait = max(wait, self._starts[-1] + self.gap - now)
                if wait <= 0:
                    self._starts.append(now)
                    return
                await asyncio.sleep(wait)


class TelegramPace(BaseRateLimiter[dict[str, Any]]):
    def __init__(self, store: PaceStore, limits: PaceLimits | None = None) -> None:
        self.store = store
        self.private = MemoryPace()  # patients' chats: never written to the database
        self.limits = limits or PaceLimits()
        self.retry_after_hits = 0  # 429s Telegram answered (should stay 0)
        per_second = self.limits.bot_per_second
        self._local = LocalWindow(int(per_second), 1.0, 0.5 / per_second)

    async def initialize(self) -> None:
        """Nothing to set up: the paces live in the store."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None:  # getUpdates, answerCallbackQuery...: not paced
            return await callback(*args, **kwargs)
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        horizon = self.limits.bulk_horizon if bulk else self.limits.urgent_horizon
        chat_key, interval, burst, private = self._chat_pace(chat_id)
        bot_interval = 1.0 / self.limits.bot_per_second
        while True:
            chats = self.private if private else self.store
            if bulk or not private:
                await self._take(chats, chat_key, interval, burst, horizon)
            else:  # a reply: book the chat's time so that reminders keep off, do not wait
                await chats.reserve(chat_key, interval=interval, burst=burst, horizon=1e6)
            await self._take(self.store, BOT_KEY, bot_interval, 0.0, horizon)
            await self._local.enter()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                self.retry_after_hits += 1
                await chats.hold(chat_key, seconds=seconds)
                await self.store.hold(BOT_KEY, seconds=seconds)
                log.warning(
                    "telegram_retry_after",
                    action="pace.429",
                    endpoint=endpoint,
                    retry_after=seconds,
                    bulk=bulk,
                )
                if bulk:
                    raise  # the dispatcher puts the message back for later

    def _chat_pace(self, chat_id: object) -> tuple[str, float, float, bool]:
        """The chat's key, interval and burst (seconds), and whether it is a private chat."""
        number: object = chat_id
        with contextlib.suppress(TypeError, ValueError):
            number = int(str(chat_id))
        if isinstance(number, int) and number > 0:
            interval = 1.0 / self.limits.private_per_second
            return f"chat:{number}", interval, (self.limits.private_burst - 1) * interval, True
        interval = 60.0 / self.limits.group_per_minute
        return f"chat:{number}", interval, (self.limits.group_burst - 1) * interval, False

    async def _take(
        self, store: PaceStore, key: str, interval: float, burst: float, horizon: float
    ) -> None:
        """Reserve a send time in the pace and sleep until it comes. The time is the store's
        (the database's clock): it is placed on this clock at the middle of the round trip.
        A sender that wakes more than an interval after its time gives the time up and books
        again (twice at most): late senders would otherwise bunch with those on time."""
        missed = 0
        while True:
            asked = time.monotonic()
            reservation = await store.reserve(key, interval=interval, burst=burst, horizon=horizon)
            target = (asked + time.monotonic()) / 2 + reservation.wait
            await asyncio.sleep(max(0.0, target - time.monotonic()))
            if not reservation.granted:
                continue
            if burst or missed >= 2 or time.monotonic() - target <= interval:
                return
            missed += 1
