"""Every clinical YAML file is read by one loader: a mistake names the file, the path in the
file and what is wrong, in one line (care/domain/yaml_models.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from care.domain.errors import ConfigError
from care.domain.faq import FAQ_FILE, load_faq
from care.domain.pathway import DEFAULT_PATH, load_pathway
from care.domain.questionnaires import load_questionnaire
from care.domain.triage.checkin import CHECKIN_FILE, load_checkin_rules
from care.domain.triage.signs import SIGNS_FILE, load_signs
from care.domain.yaml_models import path_of, where_of

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "messages" / "questionnaire.example.yaml"

LOADERS: dict[str, tuple[Path, Callable[[Path], object]]] = {
    "pathway": (DEFAULT_PATH, load_pathway),
    "faq": (FAQ_FILE, load_faq),
    "signs": (SIGNS_FILE, load_signs),
    "checkin": (CHECKIN_FILE, load_checkin_rules),
    "questionnaire": (EXAMPLE, load_questionnaire),
}


def _set(path: str, value: object) -> Callable[[str], str]:
    """Set the value at a path like ``rules/0/when`` (list indexes are numbers; ``~`` deletes)."""

    def change(text: str) -> str:
        data = yaml.safe_load(text)
        *parents, last = path.split("/")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value == "~":
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    return change


def _text(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return change


# (file kind, change to the shipped file's text, what the error says after "file: ")
BROKEN: list[tuple[str, Callable[[str], str], str]] = [
    (
        "pathway",
        _set("milestones/3/day", "x"),
        "milestones[3].day: expected a whole number, got 'x'",
    ),
    (
        "pathway",
        _text('lunch: "12:30"', "lunch: 12:30"),
        'slots.lunch: write times in quotes, like "08:30"',
    ),
    (
        "pathway",
        _set("checkins/0/slot", "night"),
        "checkins[0].slot: unknown slot 'night'; slots are morning, lunch, evening",
    ),
    (
        "pathway",
        _set("milestones/3/id", "visit_2w"),
        "milestones[7].id: 'visit_2w' is used twice; ids must be unique",
    ),
    ("pathway", _set("slots", "~"), "top level: 'slots' is missing"),
    ("faq", _set("entries/1/answer/en", "  "), "entries[1].answer.en: must not be empty"),
    (
        "faq",
        _set("entries/0/match/en", "shower"),
        "entries[0].match.en: expected a list, got 'shower'",
    ),
    (
        "faq",
        _set("entries/2/id", "shower"),
        "entries[2].id: 'shower' is used twice; ids must be unique",
    ),
    (
        "faq",
        _set("entries/0/answr", {}),
        "entries[0]: unknown field 'answr'; allowed: answer, id, match, source",
    ),
    ("signs", _set("signs/fever/rows", [15]), "signs.fever.rows[0]: rows must be 1-14, got 15"),
    ("signs", _set("signs/wound/source", ""), "signs.wound.source: must not be empty"),
    (
        "signs",
        _set("follow_ups/triage.ask.fever/options/0/tier", "orange"),
        "follow_ups.triage.ask.fever.options[0].tier: "
        "expected 'red', 'amber' or 'none', got 'orange'",
    ),
    (
        "signs",
        _set("follow_ups/triage.ask.wound/options/0/id", "maybe"),
        "follow_ups.triage.ask.wound.options[0].id: "
        "expected at most 4 ASCII characters, got 'maybe'",
    ),
    (
        "signs",
        _set("follow_ups/triage.ask.calf/options/0/tier", "none"),
        "follow_ups.triage.ask.calf.options: at least one answer must mean the sign is there",
    ),
    (
        "checkin",
        _text("options: ['yes', 'no']", "options: [yes, no]"),
        "questions[7].options[0]: expected text, got True (write yes, no, on and off in quotes)",
    ),
    (
        "checkin",
        _set("questions/2/id", "legpain"),
        "questions[2].id: 'legpain' is used twice; question ids must be unique",
    ),
    (
        "checkin",
        _set("rules/0/when/bladder", ["maybe"]),
        "rules[0].when.bladder: no option ['maybe'] (options: hard, leak, ok)",
    ),
    (
        "checkin",
        _set("rules/0/when", {"blader": ["hard"]}),
        "rules[0].when.blader: unknown question 'blader'",
    ),
    ("checkin", _set("rules/1/sign", "spleen"), "rules[1].sign: no sign 'spleen' in signs.yaml"),
    (
        "checkin",
        _set("rules/2/tier", "ask"),
        "rules[2].tier: a check-in is red, amber or green, never ask",
    ),
    ("checkin", _set("rules/3/flags", [0]), "rules[3].flags[0]: flags must be rows 1-14, got 0"),
    (
        "checkin",
        _set("trends/back_pain_discitis/question", "pain"),
        "trends.back_pain_discitis.question: unknown question 'pain'",
    ),
    (
        "checkin",
        _set("questions/0/scale", [0]),
        "questions[0].scale: the list is too short: no item [1]",
    ),
    ("questionnaire", _set("days", [42, "84"]), "days[1]: expected a whole number, got '84'"),
    (
        "questionnaire",
        _set("items/1/options", [{"ko": "가", "en": "a"}]),
        "items[1].options: list at least 2, got 1",
    ),
    (
        "questionnaire",
        _text("scoring: percent", "scoring: [percent"),
        "line 18: not valid YAML (did not find expected ',' or ']')",
    ),
]


@pytest.mark.parametrize(("kind", "change", "message"), BROKEN)
def test_a_broken_file_names_the_file_the_path_and_the_problem(
    tmp_path: Path, kind: str, change: Callable[[str], str], message: str
) -> None:
    shipped, load = LOADERS[kind]
    broken = tmp_path / shipped.name
    broken.write_text(change(shipped.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load(broken)
    assert str(raised.value) == f"{broken}: {message}"


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_each_shipped_file_loads_and_a_missing_one_is_a_config_error(
    tmp_path: Path, kind: str
) -> None:
    shipped, load = LOADERS[kind]
    assert load(shipped)
    with pytest.raises(ConfigError) as raised:
        load(tmp_path / "gone.yaml")
    assert (
        str(raised.value)
        == f"{tmp_path / 'gone.yaml'}: cannot read the file (No such file or directory)"
    )


def test_a_file_of_the_repository_is_named_from_its_root() -> None:
    assert where_of(DEFAULT_PATH) == "messages/pathway.yaml"
    assert where_of(Path("/etc/clinic/q.yaml")) == "/etc/clinic/q.yaml"


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        ((), "top level"),
        (("slots", "lunch"), "slots.lunch"),
        (("milestones", 3, "day"), "milestones[3].day"),
    ],
)
def test_a_path_in_the_file_reads_like_the_yaml(loc: tuple[str | int, ...], text: str) -> None:
    assert path_of(loc) == text
