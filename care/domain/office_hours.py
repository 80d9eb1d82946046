"""When the care team reads messages: ``SPINECARE_OFFICE_HOURS``, in the clinic's zone.

Written as days and hours: ``mon-fri 09:00-18:00`` (the default), ``mon-sat 08:30-17:00``,
``mon,wed,fri 09:00-13:00``. Patients are told it after a routine message, the morning
digest is posted at its start, and nothing else depends on it: warning signs are posted
to the team at any hour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from care.domain.errors import InvalidInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPEC = re.compile(
    r"^\s*(?P<days>[a-z,\-]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)
DEFAULT = "mon-fri 09:00-18:00"


@dataclass(frozen=True)
class OfficeHours:
    days: frozenset[int]  # 0 is Monday
    start: time
    end: time
    zone: str = "Asia/Seoul"

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.zone))

    def is_open(self, now: datetime) -> bool:
        local = self.local(now)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def opening(self, now: datetime) -> datetime:
        """The start of office hours now or next (aware, in the clinic's zone)."""
        local = self.local(now)
        for ahead in range(8):
            day: date = local.date() + timedelta(days=ahead)
            opens = datetime.combine(day, self.start, local.tzinfo)
            closes = datetime.combine(day, self.end, local.tzinfo)
            if day.weekday() in self.days and local < closes:
                return opens
        raise InvalidInput("office hours have no day")  # parse() refuses this

    def weekdays_only(self) -> bool:
        return self.days == frozenset(range(5))


def parse(value: str, zone: str = "Asia/Seoul") -> OfficeHours:
    """``mon-fri 09:00-18:00`` -> OfficeHours; anything else is refused with an example."""
    found = SPEC.match(value.lower())
    if found is None:
        raise InvalidInput(f"office hours {value!r} should look like {DEFAULT!r}")
    days: set[int] = set()
    for part in found["days"].split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise InvalidInput(f"office hours {value!r}: days are {', '.join(DAYS)}")
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise InvalidInput(f"office hours {value!r}: {part} runs backwards")
        days.update(range(a, b + 1))
    try:
        start, end = (
            time.fromisoformat(found["start"].zfill(5)),
            time.fromisoformat(found["end"].zfill(5)),
        )
    except ValueError:
        raise InvalidInput(f"office hours {value!r}: times are HH:MM") from None
    if end <= start:
        raise InvalidInput(f"office hours {value!r}: the end comes before the start")
    return OfficeHours(frozenset(days), start, end, zone)
