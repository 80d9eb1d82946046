"""Read ``messages/pathway.yaml`` into a frozen Pathway; every mistake is one clear ConfigError.

The pydantic models below check the file (care/domain/yaml_models.py gives the error style:
``messages/pathway.yaml: milestones[3].day: expected a whole number, got 'x'``); then they
build the frozen Pathway the rest of the code uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictInt, StrictStr, model_validator

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
from care.domain.yaml_models import Count, Problem, YamlModel, load_yaml, matching, show, validate

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "messages" / "pathway.yaml"
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_ID = re.compile(r"^[a-z0-9_]+$")


def _wall_time(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 12:30 as the number 750 (base 60).
        raise Problem('write times in quotes, like "08:30"')
    if not isinstance(value, str) or not _TIME.match(value):
        raise Problem(f'expected a time "HH:MM" (24-hour clock), got {show(value)}')
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


WallTime = Annotated[time, BeforeValidator(_wall_time)]
Name = Annotated[str, matching(_ID, "a lowercase name")]
Id = Annotated[str, matching(_ID, "a lowercase id")]
MessageKey = Annotated[str, matching(_KEY, "a message key like pathway.posture.floor")]
MilestoneKey = Annotated[str, matching(_KEY, "a message key like pathway.milestone.visit_2w")]


class _Days(YamlModel):
    """The post-operative days of a rule: a range, optionally thinned by a repeating cycle."""

    from_day: Count
    to_day: Count
    cycle: Annotated[StrictInt, Field(ge=1)] = 1
    cycle_days: tuple[Count, ...] = ()
    approaches: tuple[StrictStr, ...] = ()

    @model_validator(mode="after")
    def _range(self) -> _Days:
        if self.from_day > self.to_day:
            raise Problem(f"from_day {self.from_day} is after to_day {self.to_day}")
        if not self.days() or any(day >= self.cycle for day in self.days()):
            raise Problem(
                f"cycle_days must be a non-empty list of numbers below cycle {self.cycle}"
            )
        return self

    def days(self) -> tuple[int, ...]:
        if "cycle_days" in self.model_fields_set:
            return self.cycle_days
        return () if "cycle" in self.model_fields_set else (0,)

    def rule(self) -> DayRule:
        return DayRule(
            self.from_day,
            self.to_day,
            self.cycle,
            tuple(sorted(set(self.days()))),
            frozenset(self.approaches),
        )


class _Checkin(_Days):
    slot: StrictStr


class _Reminder(YamlModel):
    slot: StrictStr
    rotation: StrictStr


class _Phase(_Days):
    reminders: tuple[_Reminder, ...]

    @model_validator(mode="after")
    def _one_a_slot(self) -> _Phase:
        if len({reminder.slot for reminder in self.reminders}) != len(self.reminders):
            raise Problem("two reminders share a slot", "reminders")
        return self


class _Posture(YamlModel):
    rotations: dict[StrictStr, tuple[MessageKey, ...]]
    phases: tuple[_Phase, ...]

    @model_validator(mode="after")
    def _varied(self) -> _Posture:
        for name, keys in self.rotations.items():
            if len(keys) < 2 or len(set(keys)) != len(keys):
                raise Problem(
                    "list at least two different message keys, each once, so reminders vary",
                    "rotations",
                    name,
                )
        return self


class _Milestone(YamlModel):
    id: Id
    day: Count
    slot: StrictStr
    key: MilestoneKey
    approaches: tuple[StrictStr, ...] = ()


class PathwayFile(YamlModel):
    """The whole of ``pathway.yaml``."""

    version: Literal[1]  # the format this code reads
    approaches: tuple[Name, ...]
    last_day: Count
    daily_cap: Annotated[StrictInt, Field(ge=1)]
    min_gap_minutes: Count = 0
    slots: dict[StrictStr, WallTime]
    checkins: tuple[_Checkin, ...]
    posture: _Posture
    milestones: tuple[_Milestone, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> PathwayFile:
        if not self.approaches or len(set(self.approaches)) != len(self.approaches):
            raise Problem("list each approach once, at least one", "approaches")
        if not self.slots:
            raise Problem("at least one slot is needed", "slots")
        if len(set(self.slots.values())) != len(self.slots):
            raise Problem("two slots have the same time", "slots")
        for i, checkin in enumerate(self.checkins):
            self._check_days(checkin, "checkins", i)
            self._check_slot(checkin.slot, "checkins", i, "slot")
        for i, phase in enumerate(self.posture.phases):
            self._check_days(phase, "posture", "phases", i)
            for j, reminder in enumerate(phase.reminders):
                at = ("posture", "phases", i, "reminders", j)
                self._check_slot(reminder.slot, *at, "slot")
                if reminder.rotation not in self.posture.rotations:
                    known = ", ".join(sorted(self.posture.rotations))
                    raise Problem(
                        f"unknown rotation {show(reminder.rotation)}; rotations are {known}",
                        *at,
                        "rotation",
                    )
        seen: set[str] = set()
        for i, milestone in enumerate(self.milestones):
            if milestone.id in seen:
                raise Problem(
                    f"{milestone.id!r} is used twice; ids must be unique", "milestones", i, "id"
                )
            seen.add(milestone.id)
            if milestone.day > self.last_day:
                raise Problem(
                    f"{milestone.day} is after the plan's last_day {self.last_day}",
                    "milestones",
                    i,
                    "day",
                )
            self._check_slot(milestone.slot, "milestones", i, "slot")
            self._check_approaches(milestone.approaches, "milestones", i, "approaches")
        pathway = self.to_pathway()
        for approach in self.approaches:
            try:
                day_plan(pathway, approach)  # every milestone must find a slot
            except ConfigError as error:
                raise Problem(str(error), "milestones") from None
        return self

    def _check_days(self, days: _Days, *at: str | int) -> None:
        if days.to_day > self.last_day:
            raise Problem(
                f"{days.to_day} is after the plan's last_day {self.last_day}", *at, "to_day"
            )
        self._check_approaches(days.approaches, *at, "approaches")

    def _check_slot(self, name: str, *at: str | int) -> None:
        if name not in self.slots:
            known = ", ".join(slot.name for slot in self._slots())
            raise Problem(f"unknown slot {show(name)}; slots are {known}", *at)

    def _check_approaches(self, chosen: Sequence[str], *at: str | int) -> None:
        for i, item in enumerate(chosen):
            if item not in self.approaches:
                raise Problem(
                    f"unknown approach {show(item)}; approaches are {', '.join(self.approaches)}",
                    *at,
                    i,
                )

    def _slots(self) -> tuple[Slot, ...]:
        return tuple(
            sorted((Slot(name, at) for name, at in self.slots.items()), key=lambda s: s.at)
        )

    def to_pathway(self) -> Pathway:
        return Pathway(
            approaches=self.approaches,
            last_day=self.last_day,
            daily_cap=self.daily_cap,
            min_gap=timedelta(minutes=self.min_gap_minutes),
            slots=self._slots(),
            checkins=tuple(CheckinRule(c.rule(), c.slot) for c in self.checkins),
            rotations=tuple((name, keys) for name, keys in self.posture.rotations.items()),
            posture=tuple(
                PosturePhase(
                    phase.rule(),
                    tuple(PostureReminder(r.slot, r.rotation) for r in phase.reminders),
                )
                for phase in self.posture.phases
            ),
            milestones=tuple(
                Milestone(m.id, m.day, m.slot, m.key, frozenset(m.approaches))
                for m in self.milestones
            ),
        )


def load_pathway(path: Path | None = None) -> Pathway:
    """Parse and validate the pathway file (default: ``messages/pathway.yaml``)."""
    return load_yaml(path or DEFAULT_PATH, PathwayFile).to_pathway()


def parse_pathway(raw: object, *, source: str = "pathway") -> Pathway:
    """Validate already-parsed YAML data into a Pathway."""
    return validate(raw, PathwayFile, source=source).to_pathway()
