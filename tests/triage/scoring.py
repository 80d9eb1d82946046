"""Scoring the free-text classifier on a labelled message set: the figures the tests print.

* red recall = red-labelled messages classified red / red-labelled messages (must be 100%);
  none of them may ever be classified green.
* false-alarm rate = green-labelled messages (benign, negated, questions, look-alikes)
  classified red or amber / green-labelled messages (must be at most 10%). An "ask" on a
  green message is a follow-up question, not an alarm, and is counted separately.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from care.triage import Tier, classify

FALSE_ALARMS_ALLOWED = 0.10

Labelled = dict[str, Any]


def load(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["messages"])


@dataclass(frozen=True)
class Score:
    messages: int
    red: int
    green: int
    missed: list[tuple[str, str]]  # red-labelled, not classified red: (text, tier)
    silent: list[str]  # red-labelled, classified green
    alarms: list[tuple[str, str]]  # green-labelled, classified red or amber
    asks: int  # green-labelled, asked about
    exact: float

    @property
    def recall(self) -> float:
        return 1 - len(self.missed) / self.red

    @property
    def false_alarm_rate(self) -> float:
        return len(self.alarms) / self.green

    def line(self, label: str) -> str:
        return (
            f"\n[{label}] {self.messages} messages: red recall {self.recall:.1%} "
            f"({self.red - len(self.missed)}/{self.red}, classified green: {len(self.silent)}); "
            f"false alarms on green-labelled {self.false_alarm_rate:.1%} "
            f"({len(self.alarms)}/{self.green}; asked instead: {self.asks}); "
            f"exact tier agreement {self.exact:.1%}"
        )

    def assert_meets_the_bar(self) -> None:
        assert not self.silent, f"red messages classified green: {self.silent}"
        assert not self.missed, f"red messages not classified red: {self.missed}"
        assert self.false_alarm_rate <= FALSE_ALARMS_ALLOWED, f"false alarms: {self.alarms}"


def score(messages: Sequence[Labelled]) -> Score:
    tiers = [(m, classify(m["text"]).tier) for m in messages]
    red = [(m["text"], t) for m, t in tiers if m["tier"] == "red"]
    green = [(m["text"], t) for m, t in tiers if m["tier"] == "green"]
    return Score(
        messages=len(messages),
        red=len(red),
        green=len(green),
        missed=[(text, t.value) for text, t in red if t is not Tier.RED],
        silent=[text for text, t in red if t is Tier.GREEN],
        alarms=[(text, t.value) for text, t in green if t in (Tier.RED, Tier.AMBER)],
        asks=sum(t is Tier.ASK for _, t in green),
        exact=sum(t.value == m["tier"] for m, t in tiers) / len(messages),
    )


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print past pytest's capture so the figures show in every run, with or without -s."""
    with capsys.disabled():
        print(line)


def assert_names_its_rows(message: Labelled) -> None:
    """A red message's reading names one of its red-flag rows, the words and a question."""
    result = classify(message["text"])
    assert set(message["flags"]) & set(result.flags), (message["text"], result)
    assert result.evidence
    assert result.question is not None
