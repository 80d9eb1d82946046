"""Questions the clinic has already answered (messages/faq.yaml): an answer at once.

A routine message that asks about one of the table's topics (shower, driving, sitting,
lifting, exercise, work, stitches, the next visit) gets the clinic's answer in the patient's
language. The message still goes to the care team's inbox; the answer never replaces it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from care.domain.yaml_models import Problem, Text, YamlModel, load_yaml

FAQ_FILE = Path(__file__).resolve().parents[2] / "messages" / "faq.yaml"
LANGUAGES = ("ko", "en")
MAX_ANSWERS = 2  # a message about everything gets the first two; the team answers the rest


@dataclass(frozen=True)
class Entry:
    id: str
    source: str
    ko: tuple[str, ...]
    en: re.Pattern[str]
    answers: dict[str, str]

    def matches(self, text: str) -> bool:
        return any(word in text for word in self.ko) or bool(self.en.search(text))


@dataclass(frozen=True)
class Faq:
    entries: tuple[Entry, ...]
    cue_ko: tuple[str, ...]
    cue_en: re.Pattern[str]

    def asks(self, text: str) -> bool:
        return any(cue in text for cue in self.cue_ko) or bool(self.cue_en.search(text))

    def answers(self, text: str, language: str) -> list[str]:
        """The clinic's answers to a question in ``text`` (none if it asks nothing)."""
        lowered = text.lower()
        if not self.asks(lowered):
            return []
        found = [entry for entry in self.entries if entry.matches(lowered)]
        return [entry.answers[language] for entry in found[:MAX_ANSWERS]]


def _words(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word.lower()) for word in words)
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])")


def _cues(cues: list[str]) -> re.Pattern[str]:
    plain = [cue for cue in cues if cue[0].isalpha()]
    marks = "|".join(re.escape(cue) for cue in cues if not cue[0].isalpha())
    words = "|".join(re.escape(cue) for cue in plain)
    return re.compile(rf"(?:{marks})|(?<![\w])(?:{words})(?![\w])")


class _Match(YamlModel):
    ko: tuple[Text, ...]
    en: tuple[Text, ...]


class _Answer(YamlModel):
    ko: Text
    en: Text


class _Entry(YamlModel):
    id: Text
    source: Text
    match: _Match
    answer: _Answer


class FaqFile(YamlModel):
    """The whole of ``faq.yaml``."""

    version: Literal[1]
    entries: tuple[_Entry, ...]
    question_cues: _Match

    @model_validator(mode="after")
    def _unique(self) -> FaqFile:
        seen: set[str] = set()
        for i, entry in enumerate(self.entries):
            if entry.id in seen:
                raise Problem(f"{entry.id!r} is used twice; ids must be unique", "entries", i, "id")
            seen.add(entry.id)
        return self

    def to_faq(self) -> Faq:
        return Faq(
            tuple(
                Entry(
                    id=entry.id,
                    source=entry.source,
                    ko=entry.match.ko,
                    en=_words(list(entry.match.en)),
                    answers={lang: getattr(entry.answer, lang).strip() for lang in LANGUAGES},
                )
                for entry in self.entries
            ),
            self.question_cues.ko,
            _cues(list(self.question_cues.en)),
        )


@cache
def load_faq(path: Path = FAQ_FILE) -> Faq:
    """Read and check the table once; a mistake stops start-up with the file's name."""
    return load_yaml(path, FaqFile).to_faq()
