"""Slow down repeated failures from one person (wrong invite codes), with the `limits` library."""

from __future__ import annotations

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class AttemptThrottle:
    """Allows ``rule`` failures (e.g. "5/10 minutes") per key, then refuses for a while."""

    def __init__(self, rule: str = "5/10 minutes") -> None:
        self._limit = parse(rule)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def blocked(self, key: str) -> bool:
        return not self._limiter.test(self._limit, key)

    def failed(self, key: str) -> bool:
        """Count one failure; True when it used up the allowance (the moment to audit)."""
        self._limiter.hit(self._limit, key)
        return self.blocked(key)

    def allow(self, key: str) -> bool:
        """Take one from the allowance; False (nothing taken) once it is used up."""
        return self._limiter.hit(self._limit, key)
