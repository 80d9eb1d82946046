"""Reading pathway.yaml: a clear ConfigError names the bad entry and says what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from care.domain.errors import ConfigError
from care.domain.pathway import DEFAULT_PATH, Pathway, load_pathway, parse_pathway


def test_the_shipped_pathway_loads_with_its_routines_and_its_cap(pathway: Pathway) -> None:
    assert pathway.approaches == ("interlaminar", "transforaminal", "biportal")
    assert [(slot.name, slot.at) for slot in pathway.slots] == [
        ("morning", time(8, 30)),
        ("lunch", time(12, 30)),
        ("evening", time(19)),
    ]
    assert (pathway.last_day, pathway.daily_cap, pathway.min_gap) == (84, 3, timedelta(hours=1))


def test_the_loaded_pathway_is_frozen_and_hashable(pathway: Pathway) -> None:
    assert hash(pathway) == hash(load_pathway(DEFAULT_PATH))
    with pytest.raises(AttributeError):
        pathway.daily_cap = 4  # type: ignore[misc]


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A change to the data: set the value at a dotted path (list indexes are numbers)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _append_milestone(entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: data["milestones"].append(entry)


# (change to the shipped data, words the error must contain)
BROKEN = [
    (_set("version", 2), "version: expected 1, got 2"),
    (_set("slots.lunch", 750), 'slots.lunch: write times in quotes, like "08:30"'),
    (_set("slots.lunch", "25:00"), 'slots.lunch: expected a time "HH:MM"'),
    (_set("slots.lunch", "08:30"), "slots: two slots have the same time"),
    (_set("daily_cap", 0), "daily_cap: must be at least 1"),
    (_set("last_day", "84"), "last_day: expected a whole number, got '84'"),
    (_set("approaches", []), "approaches: list each approach once"),
    (
        _set("checkins.0.slot", "night"),
        "checkins[0].slot: unknown slot 'night'; slots are morning, lunch, evening",
    ),
    (_set("checkins.1.to_day", 0), "checkins[1]: from_day 1 is after to_day 0"),
    (_set("checkins.3.to_day", 90), "checkins[3].to_day: 90 is after the plan's last_day 84"),
    (_set("checkins.2.cycle_days", [1, 7]), "checkins[2]: cycle_days must be a non-empty list"),
    (_set("checkins.2.dya", 3), "checkins[2]: unknown field 'dya'; allowed: approaches, cycle"),
    (
        _set("posture.rotations.sitting", ["pathway.posture.floor"]),
        "posture.rotations.sitting: list at least two",
    ),
    (
        _set("posture.rotations.sitting", ["pathway.posture.floor", "pathway.posture.floor"]),
        "posture.rotations.sitting: list at least two different message keys, each once",
    ),
    (
        _set("posture.rotations.sitting.1", "Floor tip"),
        "posture.rotations.sitting[1]: expected a message key",
    ),
    (
        _set("posture.phases.0.reminders.0.rotation", "bedtime"),
        "posture.phases[0].reminders[0].rotation: unknown rotation 'bedtime'",
    ),
    (
        _set("posture.phases.0.reminders.1.slot", "morning"),
        "posture.phases[0].reminders: two reminders share a slot",
    ),
    (
        _set("milestones.3.slot", "noon"),
        "milestones[3].slot: unknown slot 'noon'",
    ),
    (
        _set("milestones.3.day", 85),
        "milestones[3].day: 85 is after the plan's last_day 84",
    ),
    (_set("milestones.3.id", "visit_2w"), "milestones[7].id: 'visit_2w' is used twice"),
    (
        _set("milestones.3.id", "Visit 2"),
        "milestones[3].id: expected a lowercase id, got 'Visit 2'",
    ),
    (
        _set("milestones.1.approaches", ["uniportal"]),
        "milestones[1].approaches[0]: unknown approach 'uniportal'",
    ),
    (
        _set("milestones.0.key", None),
        "milestones[0].key: expected a message key",
    ),
    (
        _append_milestone(
            {"id": "late", "day": 84, "slot": "evening", "key": "pathway.milestone.x"}
        ),
        "milestone 'late' finds no free slot by the last day (84)",
    ),
    (_set("milestones.3.day", "x"), "milestones[3].day: expected a whole number, got 'x'"),
    (_set("milestones.3.day", True), "milestones[3].day: expected a whole number, got True"),
    (_set("milestones", {"id": "x"}), "milestones: expected a list"),
    (lambda data: data.pop("slots"), "top level: 'slots' is missing"),
]


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_a_bad_entry_gives_a_config_error_naming_it(
    shipped_data: dict[str, Any], change: Callable[[dict[str, Any]], None], message: str
) -> None:
    change(shipped_data)
    with pytest.raises(ConfigError) as raised:
        parse_pathway(shipped_data, source="pathway.yaml")
    assert str(raised.value).startswith("pathway.yaml: ")
    assert message in str(raised.value)


def test_an_unquoted_time_in_the_file_is_caught_with_a_hint(tmp_path: Path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace('lunch: "12:30"', "lunch: 12:30")
    bad = tmp_path / "pathway.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r'slots\.lunch: write times in quotes, like "08:30"'):
        load_pathway(bad)


def test_a_file_that_is_not_yaml_gives_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "pathway.yaml"
    bad.write_text("version: 1\nslots: [morning\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pathway\.yaml: line \d+: not valid YAML \("):
        load_pathway(bad)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: cannot read the file \(No such file"):
        load_pathway(tmp_path / "nowhere.yaml")


def test_a_clinic_can_move_a_follow_up_visit_in_the_data(shipped_data: dict[str, Any]) -> None:
    visit = next(m for m in shipped_data["milestones"] if m["id"] == "visit_6w")
    visit["day"] = 26  # a clinic that sees patients at 4 weeks
    pathway = parse_pathway(shipped_data)
    assert next(m.day for m in pathway.milestones if m.id == "visit_6w") == 26


@pytest.mark.parametrize(
    "block", ["approaches", "last_day", "daily_cap", "slots", "checkins", "posture", "milestones"]
)
def test_each_block_of_the_shipped_yaml_names_its_clinical_source(block: str) -> None:
    lines = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{block}:"))
    notes = [lines[at]]
    for line in reversed(lines[:at]):
        if not line.startswith("#"):
            break
        notes.append(line)
    assert any(source in " ".join(notes) for source in ("CLINICAL", "MISSION.md")), block
