"""Flood limits like Telegram's: ~30 messages/s per bot, ~1/s per private chat, 20/min per group.

A small moving window and token bucket rather than `limits`: several limits must be checked
together and consumed only when all pass, without a timer thread, on an injectable clock.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.errors import too_many_requests


@dataclass(frozen=True)
class FloodLimits:
    """How much the sandbox lets through; `FloodLimits(enabled=False)` switches limits off."""

    enabled: bool = True
    bot_per_second: int = 30
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: int = 20


class MovingWindow:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._events: dict[object, deque[float]] = {}

    def wait(self, key: object, now: float) -> float:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.period:
            events.popleft()
        if len(events) < self.limit:
            return 0.0
        return events[0] + self.period - now

    def take(self, key: object, now: float) -> None:
        self._events.setdefault(key, deque()).append(now)


class TokenBucket:
    """`rate` events per second on average, with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._state: dict[object, tuple[float, float]] = {}

    def _tokens(self, key: object, now: float) -> float:
        tokens, at = self._state.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) * self.rate)

    def wait(self, key: object, now: float) -> float:
        tokens = self._tokens(key, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, key: object, now: float) -> None:
        self._state[key] = (self._tokens(key, now) - 1.0, now)


@dataclass
class FloodControl:
    """Counts sends and edits; refuses with 429 (and delivers nothing) over a limit."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    monotonic: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.configure(self.limits)

    def configure(self, limits: FloodLimits) -> None:
        self.limits = limits
        self._bot = MovingWindow(limits.bot_per_second, 1.0)
        self._private = TokenBucket(limits.private_per_second, limits.private_burst)
        self._group = MovingWindow(limits.group_per_minute, 60.0)

    def reset(self) -> None:
        self.configure(self.limits)

    def admit(self, chat_id: int, chat_type: str) -> None:
        """Count one message to `chat_id`, or raise 429 with `retry_after` if over a limit."""
        if not self.limits.enabled:
            return
        now = self.monotonic()
        per_chat = self._private if chat_type == "private" else self._group
        wait = max(self._bot.wait(None, now), per_chat.wait(chat_id, now))
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        self._bot.take(None, now)
        per_chat.take(chat_id, now)
