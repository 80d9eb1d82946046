"""The one clock. Every piece of code asks a Clock for "now"; tests substitute FakeClock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A controllable clock for tests and the sandbox's demo mode."""

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start).astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = require_aware(instant).astimezone(UTC)


class ShiftedClock:
    """The system clock moved forward by an offset: the sandbox's demo clock.

    Controlled like FakeClock (``advance``, ``set``), but time keeps flowing between moves,
    so a demo reads like a real day; with a real token the service uses SystemClock.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        self._offset += delta
        return self.now()

    def set(self, instant: datetime) -> None:
        self._offset = require_aware(instant).astimezone(UTC) - datetime.now(UTC)


class ControllableClock(Protocol):
    """FakeClock and ShiftedClock: a clock the tests and the demo mode move forward."""

    def now(self) -> datetime: ...

    def advance(self, delta: timedelta) -> datetime: ...

    def set(self, instant: datetime) -> None: ...


def require_aware(instant: datetime) -> datetime:
    """Refuse naive datetimes at the boundary: a naive time is a bug waiting for a DST change."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: a timezone is required")
    return instant


def utc_from_db(value: Any) -> datetime | None:
    """An aggregate such as max() over a UTC column bypasses the column's type: SQLite gives
    back naive datetimes or ISO text. Both are UTC; anything else (NULL) is None."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
