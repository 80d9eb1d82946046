"""Scoring the free-text classifier on a labelled message set: the figures the tests print.

* red recall = red-labelled messages classified red / red-labelled messages (must be 100%);
  none of them may ever be classified green.
* false-alarm rate = green-labelled messages (benign, negated, questions, look-alikes)
  classified red or amber / green-labelled messages (must be at most 10%). An "ask" on a
  green message is a follow-up question, not an alarm, and is counted separately.

The figures of issue 13, printed for every batch with their Korean / English split:

* red caught = red-labelled classified red or ask (an ask is followed up, and silence
  after it goes to a human); red strict = classified red;
* amber caught = amber-labelled classified red, amber or ask;
* benign raised = green-labelled classified red or amber; benign asked = classified ask.

A message is Korean when it has Hangul or reads as romanised Korean (most of its words have
a shape English does not write: eo, eu, yeo, -yo), English otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from care.domain.triage import Tier, classify

FALSE_ALARMS_ALLOWED = 0.10

Labelled = dict[str, Any]
Classifier = Callable[[str], Any]

_KOREAN_SHAPE = re.compile(r"eo|eu|yeo|ae|oe|ui|[aeo]yo\b|seyo\b|jjae\b|\bga\b|\bi\b(?=\s)")


def load(path: Path) -> list[Labelled]:
    with path.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["messages"])


def language(text: str) -> str:
    """ko (Hangul, or romanised Korean) or en."""
    if re.search(r"[가-힣]", text):
        return "ko"
    words = re.findall(r"[a-z]+", text.lower())
    korean = [w for w in words if _KOREAN_SHAPE.search(w) and not w.startswith(("you", "yo"))]
    return "ko" if words and len(korean) >= 0.3 * len(words) else "en"


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
    figures: dict[str, tuple[int, int]]  # "red caught ko" -> (hits, of)
    amber_missed: list[tuple[str, str]]  # amber-labelled, classified green

    @property
    def recall(self) -> float:
        return 1 - len(self.missed) / self.red if self.red else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.alarms) / self.green if self.green else 0.0

    def line(self, label: str) -> str:
        return (
            f"\n[{label}] {self.messages} messages: red recall {self.recall:.1%} "
            f"({self.red - len(self.missed)}/{self.red}, classified green: {len(self.silent)}); "
            f"false alarms on green-labelled {self.false_alarm_rate:.1%} "
            f"({len(self.alarms)}/{self.green}; asked instead: {self.asks}); "
            f"exact tier agreement {self.exact:.1%}\n  " + self.issue_figures()
        )

    def issue_figures(self) -> str:
        """Red strict and caught, amber caught, benign raised and asked, by language."""
        parts = []
        for name in ("red strict", "red caught", "amber caught", "benign raised", "benign asked"):
            all_hits, all_of = self.figures[f"{name} all"]
            if not all_of:
                continue
            split = ", ".join(
                f"{lang} {hits / of:.1%}"
                for lang in ("ko", "en")
                for hits, of in [self.figures[f"{name} {lang}"]]
                if of
            )
            parts.append(f"{name} {all_hits / all_of:.1%} ({all_hits}/{all_of}; {split})")
        return "; ".join(parts)

    def misses(self) -> list[str]:
        """Red not caught (green), amber not caught (green), benign raised: for a header."""
        return (
            [f"red -> green: {text}" for text in self.silent]
            + [f"amber -> green: {text}" for text, _ in self.amber_missed]
            + [f"green -> {tier}: {text}" for text, tier in self.alarms]
        )

    def assert_meets_the_bar(self) -> None:
        assert not self.silent, f"red messages classified green: {self.silent}"
        assert not self.missed, f"red messages not classified red: {self.missed}"
        assert self.false_alarm_rate <= FALSE_ALARMS_ALLOWED, f"false alarms: {self.alarms}"


_COUNTED = {
    # name: (labels counted, tiers that are a hit)
    "red strict": ("red", {Tier.RED}),
    "red caught": ("red", {Tier.RED, Tier.ASK}),
    "amber caught": ("amber", {Tier.RED, Tier.AMBER, Tier.ASK}),
    "benign raised": ("green", {Tier.RED, Tier.AMBER}),
    "benign asked": ("green", {Tier.ASK}),
}


def score(messages: Sequence[Labelled], reader: Classifier = classify) -> Score:
    tiers = [(m, Tier(reader(m["text"]).tier.value)) for m in messages]
    red = [(m["text"], t) for m, t in tiers if m["tier"] == "red"]
    green = [(m["text"], t) for m, t in tiers if m["tier"] == "green"]
    figures: dict[str, tuple[int, int]] = {}
    for name, (label, hits) in _COUNTED.items():
        for lang in ("all", "ko", "en"):
            chosen = [
                t for m, t in tiers if m["tier"] == label and lang in ("all", language(m["text"]))
            ]
            figures[f"{name} {lang}"] = (sum(t in hits for t in chosen), len(chosen))
    return Score(
        messages=len(messages),
        red=len(red),
        green=len(green),
        missed=[(text, t.value) for text, t in red if t is not Tier.RED],
        silent=[text for text, t in red if t is Tier.GREEN],
        alarms=[(text, t.value) for text, t in green if t in (Tier.RED, Tier.AMBER)],
        asks=sum(t is Tier.ASK for _, t in green),
        exact=sum(t.value == m["tier"] for m, t in tiers) / len(messages),
        figures=figures,
        amber_missed=[
            (m["text"], t.value) for m, t in tiers if m["tier"] == "amber" and t is Tier.GREEN
        ],
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
