"""One source of advice per warning sign, and the follow-up question for an unsure message.

Read from ``messages/triage/signs.yaml`` (see its header). Pure: which catalogue keys make
up the advice for a tier, a sign and whether the clinic is open; what a follow-up answer
means. Check-ins and free text both come here, so the same sign is advised the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import StrictInt, StrictStr, model_validator

from care.domain.triage.rules import DATA_DIR, RED_FLAG_ROWS
from care.domain.triage.tiers import Tier
from care.domain.yaml_models import Problem, Text, YamlModel, load_yaml, matching

SIGNS_FILE = DATA_DIR / "signs.yaml"
MAX_OPTION_ID = 4
NONE = "none"  # a follow-up answer that means: the sign is not there
_OPTION_ID = re.compile(rf"[\x00-\x7f]{{1,{MAX_OPTION_ID}}}\Z")


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


class _Sign(YamlModel):
    rows: tuple[StrictInt, ...] | None = None
    red: StrictStr | None = None
    amber: StrictStr | None = None
    source: Text

    @model_validator(mode="after")
    def _rows(self) -> _Sign:
        for i, row in enumerate(self.rows or ()):
            if row not in RED_FLAG_ROWS:
                raise Problem(f"rows must be 1-14, got {row}", "rows", i)
        return self


class _Option(YamlModel):
    id: Annotated[StrictStr, matching(_OPTION_ID, f"at most {MAX_OPTION_ID} ASCII characters")]
    label: StrictStr
    tier: Literal["red", "amber", "none"]


class _FollowUp(YamlModel):
    source: Text
    options: tuple[_Option, ...]

    @model_validator(mode="after")
    def _answers(self) -> _FollowUp:
        ids = [option.id for option in self.options]
        if len(ids) < 2 or len(set(ids)) != len(ids):
            raise Problem("at least two answers, with different ids", "options")
        if all(option.tier == NONE for option in self.options):
            raise Problem("at least one answer must mean the sign is there", "options")
        return self


class _Call(YamlModel):
    open: StrictStr
    closed: StrictStr


class _Default(YamlModel):
    red: StrictStr
    amber: StrictStr


class SignsFile(YamlModel):
    """The whole of ``signs.yaml``."""

    version: Literal[1]
    call: _Call
    default: _Default
    signs: dict[StrictStr, _Sign]
    follow_ups: dict[StrictStr, _FollowUp]

    def to_signs(self) -> Signs:
        return Signs(
            call_open=self.call.open,
            call_closed=self.call.closed,
            red=self.default.red,
            amber=self.default.amber,
            signs={
                key: Sign(key, sign.rows or (), sign.red or None, sign.amber or None, sign.source)
                for key, sign in self.signs.items()
            },
            follow_ups={
                key: FollowUp(
                    question_key=key,
                    answers=tuple(
                        Answer(o.id, o.label, None if o.tier == NONE else Tier(o.tier))
                        for o in item.options
                    ),
                    source=item.source,
                )
                for key, item in self.follow_ups.items()
            },
        )


@cache
def load_signs(path: Path = SIGNS_FILE) -> Signs:
    """Read and validate ``signs.yaml`` once per path."""
    return load_yaml(path, SignsFile).to_signs()
