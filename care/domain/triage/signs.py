"""One source of advice per warning sign, and the follow-up question for an unsure message.

Read from ``messages/triage/signs.yaml`` (see its header). Pure: which catalogue keys make
up the advice for a tier, a sign and whether the clinic is open; what a follow-up answer
means. Check-ins and free text both come here, so the same sign is advised the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from care.domain.errors import ConfigError
from care.domain.triage.rules import DATA_DIR, RED_FLAG_ROWS
from care.domain.triage.tiers import Tier

SIGNS_FILE = DATA_DIR / "signs.yaml"
MAX_OPTION_ID = 4
NONE = "none"  # a follow-up answer that means: the sign is not there


@dataclass(frozen=True)
class Sign:
    id: str
    rows: tuple[int, ...]
    red: str | None
    amber: str | None
    source: str


@dataclass(frozen=True)
class Answer:
    """A follow-up button: its label names the answer; ``tier`` is what it means (red or
    amber opens the alert at that tier; None: the sign is not there)."""

    id: str
    label_key: str
    tier: Tier | None


@dataclass(frozen=True)
class FollowUp:
    question_key: str
    answers: tuple[Answer, ...]
    source: str

    def answer(self, answer_id: str) -> Answer | None:
        return next((a for a in self.answers if a.id == answer_id), None)


@dataclass(frozen=True)
class Signs:
    call_open: str
    call_closed: str
    red: str
    amber: str
    signs: Mapping[str, Sign]
    follow_ups: Mapping[str, FollowUp]

    def advice_keys(self, tier: Tier, sign: str | None, *, clinic_open: bool) -> tuple[str, ...]:
        """The advice for a red or amber finding, in order: red starts with the action; amber
        starts with the call (today, or after hours what to do until the clinic opens)."""
        found = self.signs.get(sign) if sign else None
        if tier is Tier.RED:
            return ((found.red if found else None) or self.red,)
        call = self.call_open if clinic_open else self.call_closed
        return (call, (found.amber if found else None) or self.amber)

    def sign_for_rows(self, rows: Iterable[int]) -> str | None:
        """The sign of the first red-flag row that has one (free text gives rows)."""
        for row in rows:
            for sign in self.signs.values():
                if row in sign.rows:
                    return sign.id
        return None

    def follow_up(self, question_key: str) -> FollowUp:
        return self.follow_ups[question_key]

    def message_keys(self) -> set[str]:
        keys = {self.call_open, self.call_closed, self.red, self.amber}
        for sign in self.signs.values():
            keys.update(k for k in (sign.red, sign.amber) if k)
        for follow_up in self.follow_ups.values():
            keys.add(follow_up.question_key)
            keys.update(a.label_key for a in follow_up.answers)
        return keys


@cache
def load_signs(path: Path = SIGNS_FILE) -> Signs:
    """Read and validate ``signs.yaml`` once per path."""
    try:
        with path.open(encoding="utf-8") as handle:
            return _build(yaml.safe_load(handle))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{path.name}: {error}") from error


def _build(data: Mapping[str, Any]) -> Signs:
    signs = {str(k): _sign(str(k), v) for k, v in data["signs"].items()}
    follow_ups = {str(k): _follow_up(str(k), v) for k, v in data["follow_ups"].items()}
    return Signs(
        call_open=str(data["call"]["open"]),
        call_closed=str(data["call"]["closed"]),
        red=str(data["default"]["red"]),
        amber=str(data["default"]["amber"]),
        signs=signs,
        follow_ups=follow_ups,
    )


def _sign(sign_id: str, item: Mapping[str, Any]) -> Sign:
    rows = tuple(int(r) for r in item.get("rows") or ())
    if any(r not in RED_FLAG_ROWS for r in rows):
        raise ValueError(f"sign {sign_id}: rows must be 1-14")
    return Sign(
        id=sign_id,
        rows=rows,
        red=str(item["red"]) if item.get("red") else None,
        amber=str(item["amber"]) if item.get("amber") else None,
        source=_source(sign_id, item),
    )


def _follow_up(key: str, item: Mapping[str, Any]) -> FollowUp:
    answers = []
    for option in item["options"]:
        answer_id = str(option["id"])
        if not answer_id.isascii() or not 0 < len(answer_id) <= MAX_OPTION_ID:
            raise ValueError(f"{key}: option id {answer_id!r}: at most {MAX_OPTION_ID} ASCII chars")
        tier = str(option["tier"])
        if tier not in (NONE, Tier.RED.value, Tier.AMBER.value):
            raise ValueError(f"{key}: an answer means red, amber or none, not {tier!r}")
        answers.append(
            Answer(answer_id, str(option["label"]), None if tier == NONE else Tier(tier))
        )
    if len(answers) < 2 or len({a.id for a in answers}) != len(answers):
        raise ValueError(f"{key}: at least two answers, with different ids")
    if all(a.tier is None for a in answers):
        raise ValueError(f"{key}: at least one answer must mean the sign is there")
    return FollowUp(question_key=key, answers=tuple(answers), source=_source(key, item))


def _source(owner: str, item: Mapping[str, Any]) -> str:
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{owner}: every entry must name its clinical source")
    return source
