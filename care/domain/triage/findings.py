"""A finding read in a message, and the pattern matching shared by its readers
(``free_text.py`` and ``scores.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from care.domain.triage.korean import Clause
from care.domain.triage.rules import PatternSet
from care.domain.triage.tiers import Tier

# the end of a clause within a message: a negation after a match counts only up to it
CLAUSE_END = re.compile(r"[.,!?;~]|(?<=[요다])\s")


@dataclass(frozen=True)
class Finding:
    """One sign (or marker) read in a message: its family, tier, CLINICAL.md rows and the
    words read; ``order`` is where it was read, which orders the evidence."""

    family: str
    tier: Tier
    flags: tuple[int, ...]
    evidence: tuple[str, ...]
    question: str | None
    order: int


def found(pattern: re.Pattern[str] | None, text: str, *, anchored: bool = False) -> bool:
    """Whether ``pattern`` (a set's alternation, None when empty) matches ``text``: anywhere,
    or at its start when ``anchored``."""
    if pattern is None:
        return False
    return bool(pattern.match(text) if anchored else pattern.search(text))


def any_of(patterns: PatternSet, clause: Clause) -> bool:
    ko, en = patterns.ko_any, patterns.en_any
    return bool(ko and ko.search(clause.compact)) or bool(en and en.search(clause.text))


def compact(text: str) -> str:
    return "".join(text.split())
