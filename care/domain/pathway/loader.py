"""Read ``messages/pathway.yaml`` into a frozen Pathway; every mistake is one clear ConfigError.

Each error names the file and the entry (``milestones[3] (id 'visit_2w')``) and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from pathlib import Path

import yaml

from care.domain.errors import ConfigError
from care.domain.pathway.model import (
    CheckinRule,
    DayRule,
    Milestone,
    Pathway,
    PosturePhase,
    PostureReminder,
    Slot,
)
from care.domain.pathway.schedule import day_plan

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "messages" / "pathway.yaml"
SUPPORTED_VERSION = 1
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_ID = re.compile(r"^[a-z0-9_]+$")


class _Reader:
    """Typed access to the parsed YAML, raising ConfigError that names where the problem is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: object, where: str) -> Mapping[str, object]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping of names to values, got {_show(value)}")
        return value

    def sequence(self, value: object, where: str) -> Sequence[object]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {_show(value)}")
        return value

    def field(
        self, data: Mapping[str, object], name: str, where: str, default: object = ...
    ) -> object:
        if name in data:
            return data[name]
        if default is ...:
            raise self.fail(where, f"'{name}' is missing")
        return default

    def integer(self, value: object, where: str, *, minimum: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected a whole number, got {_show(value)}")
        if value < minimum:
            raise self.fail(where, f"must be at least {minimum}, got {value}")
        return value

    def text(self, value: object, where: str, pattern: re.Pattern[str], hint: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise self.fail(where, f"expected {hint}, got {_show(value)}")
        return value

    def wall_time(self, value: object, where: str) -> time:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 12:30 as the number 750 (base 60).
            raise self.fail(where, 'write times in quotes, like "08:30"')
        text = self.text(value, where, _TIME, 'a time "HH:MM" (24-hour clock)')
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))

    def unknown_fields(self, data: Mapping[str, object], allowed: set[str], where: str) -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            raise self.fail(
                where, f"unknown field {extra[0]!r}; allowed: {', '.join(sorted(allowed))}"
            )


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def load_pathway(path: Path | None = None) -> Pathway:
    """Parse and validate the pathway file (default: ``messages/pathway.yaml``)."""
    source = path or DEFAULT_PATH
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{source}: cannot read the pathway file ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"line {mark.line + 1}" if mark is not None else "somewhere"
        raise ConfigError(f"{source}: not valid YAML ({at})") from None
    return parse_pathway(raw, source=str(source))


def parse_pathway(raw: object, *, source: str = "pathway") -> Pathway:
    """Validate already-parsed YAML data into a Pathway."""
    r = _Reader(source)
    top = r.mapping(raw, "top level")
    r.unknown_fields(
        top,
        {
            "version", "approaches", "last_day", "daily_cap", "min_gap_minutes",
            "slots", "checkins", "posture", "milestones",
        },
        "top level",
    )  # fmt: skip
    version = r.field(top, "version", "top level")
    if version != SUPPORTED_VERSION:
        raise r.fail("version", f"expected {SUPPORTED_VERSION}, got {_show(version)}")

    approaches = tuple(
        r.text(item, f"approaches[{i}]", _ID, "a lowercase name")
        for i, item in enumerate(r.sequence(r.field(top, "approaches", "top level"), "approaches"))
    )
    if not approaches or len(set(approaches)) != len(approaches):
        raise r.fail("approaches", "list each approach once, at least one")
    last_day = r.integer(r.field(top, "last_day", "top level"), "last_day", minimum=0)
    daily_cap = r.integer(r.field(top, "daily_cap", "top level"), "daily_cap", minimum=1)
    min_gap = r.integer(r.field(top, "min_gap_minutes", "top level", 0), "min_gap_minutes")

    slots_raw = r.mapping(r.field(top, "slots", "top level"), "slots")
    if not slots_raw:
        raise r.fail("slots", "at least one slot is needed")
    slots = tuple(
        sorted(
            (Slot(str(name), r.wall_time(at, f"slots.{name}")) for name, at in slots_raw.items()),
            key=lambda slot: slot.at,
        )
    )
    times = [slot.at for slot in slots]
    if len(set(times)) != len(times):
        raise r.fail("slots", "two slots have the same time")
    slot_names = {slot.name for slot in slots}

    def slot_of(data: Mapping[str, object], where: str) -> str:
        name = r.field(data, "slot", where)
        if name not in slot_names:
            known = ", ".join(slot.name for slot in slots)
            raise r.fail(where, f"unknown slot {_show(name)}; slots are {known}")
        return str(name)

    def approaches_of(data: Mapping[str, object], where: str) -> frozenset[str]:
        chosen = r.sequence(r.field(data, "approaches", where, []), f"{where}.approaches")
        for item in chosen:
            if item not in approaches:
                raise r.fail(
                    where, f"unknown approach {_show(item)}; approaches are {', '.join(approaches)}"
                )
        return frozenset(str(item) for item in chosen)

    def day_rule(data: Mapping[str, object], where: str) -> DayRule:
        first = r.integer(r.field(data, "from_day", where), f"{where}.from_day")
        last = r.integer(r.field(data, "to_day", where), f"{where}.to_day")
        if first > last:
            raise r.fail(where, f"from_day {first} is after to_day {last}")
        if last > last_day:
            raise r.fail(where, f"to_day {last} is after the plan's last_day {last_day}")
        cycle = r.integer(r.field(data, "cycle", where, 1), f"{where}.cycle", minimum=1)
        default_days: list[object] = [0] if "cycle" not in data else []
        days_raw = r.sequence(
            r.field(data, "cycle_days", where, default_days), f"{where}.cycle_days"
        )
        cycle_days = tuple(r.integer(d, f"{where}.cycle_days[{i}]") for i, d in enumerate(days_raw))
        if not cycle_days or any(d >= cycle for d in cycle_days):
            raise r.fail(
                where, f"cycle_days must be a non-empty list of numbers below cycle {cycle}"
            )
        return DayRule(
            first, last, cycle, tuple(sorted(set(cycle_days))), approaches_of(data, where)
        )

    checkins: list[CheckinRule] = []
    for i, item in enumerate(r.sequence(r.field(top, "checkins", "top level"), "checkins")):
        where = f"checkins[{i}]"
        data = r.mapping(item, where)
        r.unknown_fields(
            data, {"from_day", "to_day", "cycle", "cycle_days", "slot", "approaches"}, where
        )
        checkins.append(CheckinRule(day_rule(data, where), slot_of(data, where)))

    posture_raw = r.mapping(r.field(top, "posture", "top level"), "posture")
    r.unknown_fields(posture_raw, {"rotations", "phases"}, "posture")
    rotations: list[tuple[str, tuple[str, ...]]] = []
    for name, keys_raw in r.mapping(
        r.field(posture_raw, "rotations", "posture"), "posture.rotations"
    ).items():
        where = f"posture.rotations.{name}"
        keys = tuple(
            r.text(key, f"{where}[{i}]", _KEY, "a message key like pathway.posture.floor")
            for i, key in enumerate(r.sequence(keys_raw, where))
        )
        if len(keys) < 2 or len(set(keys)) != len(keys):
            raise r.fail(
                where, "list at least two different message keys, each once, so reminders vary"
            )
        rotations.append((str(name), keys))
    rotation_names = {name for name, _ in rotations}

    phases: list[PosturePhase] = []
    for i, item in enumerate(
        r.sequence(r.field(posture_raw, "phases", "posture"), "posture.phases")
    ):
        where = f"posture.phases[{i}]"
        data = r.mapping(item, where)
        r.unknown_fields(
            data, {"from_day", "to_day", "cycle", "cycle_days", "reminders", "approaches"}, where
        )
        reminders: list[PostureReminder] = []
        for j, reminder_raw in enumerate(
            r.sequence(r.field(data, "reminders", where), f"{where}.reminders")
        ):
            spot = f"{where}.reminders[{j}]"
            reminder = r.mapping(reminder_raw, spot)
            r.unknown_fields(reminder, {"slot", "rotation"}, spot)
            rotation = r.field(reminder, "rotation", spot)
            if rotation not in rotation_names:
                known = ", ".join(sorted(rotation_names))
                raise r.fail(spot, f"unknown rotation {_show(rotation)}; rotations are {known}")
            reminders.append(PostureReminder(slot_of(reminder, spot), str(rotation)))
        if len({reminder.slot for reminder in reminders}) != len(reminders):
            raise r.fail(where, "two reminders share a slot")
        phases.append(PosturePhase(day_rule(data, where), tuple(reminders)))

    milestones: list[Milestone] = []
    for i, item in enumerate(r.sequence(r.field(top, "milestones", "top level", []), "milestones")):
        data = r.mapping(item, f"milestones[{i}]")
        ident = r.text(
            r.field(data, "id", f"milestones[{i}]"), f"milestones[{i}].id", _ID, "a lowercase id"
        )
        where = f"milestones[{i}] (id {ident!r})"
        r.unknown_fields(data, {"id", "day", "slot", "key", "approaches"}, where)
        if any(m.id == ident for m in milestones):
            raise r.fail(where, "this id is used twice; ids must be unique")
        day = r.integer(r.field(data, "day", where), f"{where}.day")
        if day > last_day:
            raise r.fail(where, f"day {day} is after the plan's last_day {last_day}")
        key = r.text(
            r.field(data, "key", where),
            f"{where}.key",
            _KEY,
            "a message key like pathway.milestone.visit_2w",
        )
        milestones.append(
            Milestone(ident, day, slot_of(data, where), key, approaches_of(data, where))
        )

    pathway = Pathway(
        approaches=approaches,
        last_day=last_day,
        daily_cap=daily_cap,
        min_gap=timedelta(minutes=min_gap),
        slots=slots,
        checkins=tuple(checkins),
        rotations=tuple(rotations),
        posture=tuple(phases),
        milestones=tuple(milestones),
    )
    for approach in approaches:
        try:
            day_plan(pathway, approach)  # every milestone must find a slot
        except ConfigError as error:
            raise r.fail("milestones", str(error)) from None
    return pathway
