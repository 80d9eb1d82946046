"""The pure schedule: pathway data + surgery date + zone + waking window -> occurrences.

No clock is read here. The same inputs always give the same list, and slicing the plan
into windows of any size gives the same occurrences as one big window (arq's cron, in spirit).

A day is assembled in two steps:

1. ``day_plan`` (independent of zone and window): one message per slot; check-in before
   milestone before posture. A posture reminder in a taken slot is dropped; a milestone in a
   taken slot moves to the next later free slot, else to the next day. Check-ins plus
   milestones never exceed ``daily_cap``; posture reminders fill free slots up to the cap.
2. ``wall_plan`` (depends on the waking window): each slot's time is clamped into the window
   (earlier -> start, later -> end). Check-ins and milestones are always kept. A posture
   reminder less than ``min_gap`` from a message already kept that day is dropped. Posture
   advice is then chosen from the reminder's rotation, never repeating the previous reminder.

Local wall-clock times become UTC instants per occurrence (``wall_clock_to_utc``):
a time inside a spring-forward gap moves to the first instant after the gap (02:30 -> 03:00
in New York); an ambiguous time on a fall-back day is the first of the two (fold=0). Each
occurrence is a (day, slot) pair, so DST can neither skip nor double one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from care.domain.clock import require_aware
from care.domain.errors import ConfigError, InvalidInput
from care.domain.kinds import MessageKind
from care.domain.pathway.model import (
    CHECKIN_PAYLOAD,
    KINDS,
    Milestone,
    Occurrence,
    Pathway,
    WakingWindow,
)


@dataclass(frozen=True)
class Planned:
    """A message placed in a slot of a post-operative day, before any window or zone applies."""

    day: int
    slot: str
    kind: MessageKind
    payload: str  # "checkin", a milestone's message key, or a posture rotation's name
    dedupe_key: str


@dataclass(frozen=True)
class WallClock:
    """A message at a local wall-clock time on a post-operative day (window applied)."""

    day: int
    at: time
    kind: MessageKind
    payload_key: str
    dedupe_key: str


@lru_cache(maxsize=64)
def day_plan(pathway: Pathway, approach: str) -> tuple[Planned, ...]:
    """Every message of the plan by day and slot. Raises ConfigError if a milestone cannot fit."""
    order = {slot.name: index for index, slot in enumerate(pathway.slots)}
    planned: list[Planned] = []
    carried: list[Milestone] = []
    for day in range(pathway.last_day + 1):
        held: dict[str, Planned] = {}
        for rule in pathway.checkins:
            if rule.days.applies(day, approach):
                held[rule.slot] = Planned(
                    day, rule.slot, MessageKind.CHECKIN, CHECKIN_PAYLOAD, f"checkin:{day}"
                )
                break
        # A milestone carried over from an earlier day takes the first free slot; one due
        # today takes its own slot or the next later free one.
        todays = [(m, 0) for m in carried]
        todays += [
            (m, order[m.slot]) for m in pathway.milestones if m.day == day and m.applies(approach)
        ]
        carried = []
        for milestone, earliest in todays:
            free = [
                s.name for s in pathway.slots if order[s.name] >= earliest and s.name not in held
            ]
            if not free or len(held) >= pathway.daily_cap:
                carried.append(milestone)
                continue
            held[free[0]] = Planned(
                day, free[0], MessageKind.MILESTONE, milestone.key, f"milestone:{milestone.id}"
            )
        for phase in pathway.posture:
            if phase.days.applies(day, approach):
                for reminder in sorted(phase.reminders, key=lambda r: order[r.slot]):
                    if reminder.slot in held or len(held) >= pathway.daily_cap:
                        continue
                    dedupe_key = f"posture:{day}:{reminder.slot}"
                    held[reminder.slot] = Planned(
                        day, reminder.slot, MessageKind.POSTURE, reminder.rotation, dedupe_key
                    )
                break
        planned.extend(sorted(held.values(), key=lambda p: order[p.slot]))
    if carried:
        names = ", ".join(repr(m.id) for m in carried)
        raise ConfigError(
            f"milestone {names} finds no free slot by the last day ({pathway.last_day}) "
            f"for approach {approach!r}; move it to a less crowded day"
        )
    return tuple(planned)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@lru_cache(maxsize=1024)
def wall_plan(pathway: Pathway, approach: str, window: WakingWindow) -> tuple[WallClock, ...]:
    """The plan at local wall-clock times inside the waking window, posture advice chosen."""
    gap = int(pathway.min_gap.total_seconds() // 60)
    by_day: dict[int, list[Planned]] = {}
    for item in day_plan(pathway, approach):
        by_day.setdefault(item.day, []).append(item)
    result: list[WallClock] = []
    counters: dict[str, int] = {}
    previous_advice: str | None = None
    for day, items in sorted(by_day.items()):
        kept = [
            (window.clamp(pathway.slot_time(p.slot)), p)
            for p in items
            if p.kind != MessageKind.POSTURE
        ]
        for item in (p for p in items if p.kind == MessageKind.POSTURE):
            at = window.clamp(pathway.slot_time(item.slot))
            if all(abs(_minutes(at) - _minutes(other)) >= gap for other, _ in kept):
                kept.append((at, item))
        kept.sort(key=lambda pair: (pair[0], KINDS.index(pair[1].kind)))
        for at, item in kept:
            payload_key = item.payload
            if item.kind == MessageKind.POSTURE:
                advice = pathway.rotation(item.payload)
                index = counters.get(item.payload, 0)
                if advice[index % len(advice)] == previous_advice:
                    index += 1
                payload_key = advice[index % len(advice)]
                counters[item.payload] = index + 1
                previous_advice = payload_key
            result.append(WallClock(day, at, item.kind, payload_key, item.dedupe_key))
    return tuple(result)


def wall_clock_to_utc(local_date: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time.

    Ambiguous (fall-back) times take the first instant (fold=0). Times that do not exist
    (spring-forward gap) take the first instant after the gap: 02:30 -> 03:00 local.
    """
    naive = datetime.combine(local_date, wall.replace(tzinfo=None))
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    if _wall(instant, zone) == naive:
        return instant
    # In a gap, fold=1 reads the time with the offset after the change (an instant before the
    # gap) and fold=0 with the offset before it (an instant after). Search between the two
    # for the first instant whose wall clock has reached the requested time.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = instant
    if not (_wall(low, zone) < naive <= _wall(high, zone)):
        return high
    while high - low > timedelta(seconds=1):
        middle = low + timedelta(seconds=int((high - low).total_seconds()) // 2)
        if _wall(middle, zone) >= naive:
            high = middle
        else:
            low = middle
    return high


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def occurrences(
    pathway: Pathway,
    *,
    surgery_date: date,
    approach: str,
    zone: ZoneInfo,
    window: WakingWindow,
    start: datetime,
    end: datetime,
) -> list[Occurrence]:
    """Every occurrence with ``start <= due_at < end``, sorted by ``due_at``.

    ``start`` and ``end`` must be timezone-aware (a naive datetime raises ValueError).
    An approach the pathway does not know raises InvalidInput.
    """
    start = require_aware(start).astimezone(UTC)
    end = require_aware(end).astimezone(UTC)
    if approach not in pathway.approaches:
        known = ", ".join(pathway.approaches)
        raise InvalidInput(f"unknown approach {approach!r}; expected one of {known}")
    if end <= start:
        return []
    # Two days of margin either side: a DST gap moves a time by hours, never by days.
    first_day = (start.astimezone(zone).date() - surgery_date).days - 2
    last_day = (end.astimezone(zone).date() - surgery_date).days + 2
    found: list[Occurrence] = []
    for item in wall_plan(pathway, approach, window):
        if not first_day <= item.day <= last_day:
            continue
        local_date = surgery_date + timedelta(days=item.day)
        due_at = wall_clock_to_utc(local_date, item.at, zone)
        if start <= due_at < end:
            found.append(
                Occurrence(
                    kind=item.kind,
                    payload_key=item.payload_key,
                    post_op_day=item.day,
                    local_date=local_date,
                    local_time=item.at,
                    zone=zone.key,
                    due_at=due_at,
                    dedupe_key=item.dedupe_key,
                )
            )
    found.sort(key=lambda o: (o.due_at, KINDS.index(o.kind), o.dedupe_key))
    return found
