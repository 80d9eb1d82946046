"""Value types of the care pathway: the parsed data file, the waking window, an occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from care.domain.errors import InvalidInput
from care.domain.kinds import MessageKind

# The order of kinds at the same instant: the check-in first, a posture tip last.
KINDS = (MessageKind.CHECKIN, MessageKind.MILESTONE, MessageKind.POSTURE)
CHECKIN_PAYLOAD = "checkin"


@dataclass(frozen=True)
class WakingWindow:
    """The local wall-clock hours in which a patient may be messaged, both ends included."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidInput("waking window times are local wall-clock times, without a zone")
        if not self.start < self.end:
            raise InvalidInput(
                f"waking window must start before it ends: {self.start:%H:%M}-{self.end:%H:%M}"
            )

    def contains(self, t: time) -> bool:
        return self.start <= t <= self.end

    def clamp(self, t: time) -> time:
        """The nearest time inside the window: earlier moves to the start, later to the end."""
        return min(max(t, self.start), self.end)


@dataclass(frozen=True)
class Occurrence:
    """One message of a patient's plan, at one instant."""

    kind: MessageKind  # posture, checkin or milestone
    payload_key: str  # message key (posture, milestone) or "checkin"
    post_op_day: int  # 0 = surgery day
    local_date: date
    local_time: time  # the wall-clock time planned (after clamping into the waking window)
    zone: str  # IANA name
    due_at: datetime  # aware, UTC
    dedupe_key: str  # unique per patient: "checkin:7", "posture:7:morning", "milestone:visit_2w"


@dataclass(frozen=True)
class Slot:
    """A routine of the day and its preferred local wall-clock time."""

    name: str
    at: time


@dataclass(frozen=True)
class DayRule:
    """The post-operative days a rule covers: a range, optionally thinned by a repeating cycle."""

    from_day: int
    to_day: int
    cycle: int = 1
    cycle_days: tuple[int, ...] = (0,)
    approaches: frozenset[str] = frozenset()  # empty: every approach

    def applies(self, day: int, approach: str) -> bool:
        if self.approaches and approach not in self.approaches:
            return False
        if not self.from_day <= day <= self.to_day:
            return False
        return (day - self.from_day) % self.cycle in self.cycle_days


@dataclass(frozen=True)
class CheckinRule:
    days: DayRule
    slot: str


@dataclass(frozen=True)
class PostureReminder:
    slot: str
    rotation: str


@dataclass(frozen=True)
class PosturePhase:
    days: DayRule
    reminders: tuple[PostureReminder, ...]


@dataclass(frozen=True)
class Milestone:
    id: str
    day: int
    slot: str
    key: str
    approaches: frozenset[str] = frozenset()  # empty: every approach

    def applies(self, approach: str) -> bool:
        return not self.approaches or approach in self.approaches


@dataclass(frozen=True)
class Pathway:
    """The whole care pathway, as read from ``messages/pathway.yaml``."""

    approaches: tuple[str, ...]
    last_day: int
    daily_cap: int
    min_gap: timedelta
    slots: tuple[Slot, ...]  # sorted by time
    checkins: tuple[CheckinRule, ...]
    rotations: tuple[tuple[str, tuple[str, ...]], ...]  # (name, message keys)
    posture: tuple[PosturePhase, ...]
    milestones: tuple[Milestone, ...]

    def slot_time(self, name: str) -> time:
        for slot in self.slots:
            if slot.name == name:
                return slot.at
        raise KeyError(name)

    def rotation(self, name: str) -> tuple[str, ...]:
        for rotation_name, keys in self.rotations:
            if rotation_name == name:
                return keys
        raise KeyError(name)

    def message_keys(self) -> frozenset[str]:
        """Every text key the pathway can send (for the catalogue's completeness test)."""
        keys = {key for _, rotation in self.rotations for key in rotation}
        keys.update(milestone.key for milestone in self.milestones)
        return frozenset(keys)
