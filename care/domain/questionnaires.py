"""Licensed outcome questionnaires (ODI, EQ-5D ...): the hook, with no questionnaire shipped.

CLINICAL.md: the Oswestry Disability Index is licensed and EQ-5D needs registration with
EuroQol, so neither text is in this repository. A clinic that holds a licence writes its
questionnaire in a YAML file (``messages/questionnaire.example.yaml`` shows the format with
made-up items) and sets ``SPINECARE_QUESTIONNAIRE_FILE``. Its items are then asked at the
end of the check-ins of the listed post-op days, before "anything else?", one button
question a message like the rest; the answers are stored as check-in answers (so /mydata
and /delete cover them) and scored for the care team (``spinecare patient show``, the
coordinators' /patient, the check-ins export). Triage does not read them: the warning signs
have their own questions.

Scoring: each item scores the position of the chosen option (0 for the first). ``percent``
is the sum over the maximum for the items answered, times 100 (how the ODI is scored when
items are skipped); ``sum`` is the plain sum; ``none`` stores the answers unscored (EQ-5D
profiles are valued with a country's value set, which is the clinic's to apply).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from care.domain.triage.checkin import Option, Question

LANGUAGES = ("ko", "en")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,3}$")  # question ids <id><n> stay within 8 chars
MAX_ITEMS = 99
MAX_OPTIONS = 10
Scoring = Literal["percent", "sum", "none"]
SCORINGS: tuple[Scoring, ...] = ("percent", "sum", "none")


@dataclass(frozen=True)
class Questionnaire:
    id: str
    name: Mapping[str, str]
    days: frozenset[int]
    questions: tuple[Question, ...]
    texts: Mapping[str, Mapping[str, str]]  # language -> catalogue key -> template
    scoring: Scoring

    def questions_on(self, post_op_day: int | None) -> tuple[Question, ...]:
        """The items to add to a check-in of this post-op day (none on other days)."""
        return self.questions if post_op_day in self.days else ()

    def owns(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.questions)

    def score(self, answers: Mapping[str, str]) -> float | None:
        """The score of the items answered; None when none was or the scoring is ``none``."""
        answered = [(q, answers[q.id]) for q in self.questions if q.id in answers]
        if not answered or self.scoring == "none":
            return None
        total = sum(int(answer) for _, answer in answered)
        if self.scoring == "sum":
            return float(total)
        most = sum(len(q.options) - 1 for q, _ in answered)
        return round(100 * total / most, 1)


def load_questionnaire(path: Path) -> Questionnaire:
    """Read and check a questionnaire file; ValueError in one line saying what is wrong."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{path.name} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected a mapping with id, name, days and items")
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path.name}: {_reason(error)}") from None


def _build(data: Mapping[str, Any]) -> Questionnaire:
    ident = str(data["id"])
    if not ID_PATTERN.match(ident):
        raise ValueError("id must be 1-4 lowercase letters or digits, starting with a letter")
    days = frozenset(int(day) for day in data["days"])
    if not days or min(days) < 0:
        raise ValueError("days must list post-op days, 0 or later")
    scoring = str(data.get("scoring", "percent"))
    if scoring not in SCORINGS:
        raise ValueError(f"scoring must be one of {', '.join(SCORINGS)}")
    items = list(data["items"])
    if not 0 < len(items) <= MAX_ITEMS:
        raise ValueError(f"items must hold 1 to {MAX_ITEMS} questions")
    texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    questions = []
    for number, item in enumerate(items, start=1):
        key = f"questionnaire.{ident}.{number}"
        _add_text(texts, key, item["text"], f"item {number} text")
        options = list(item["options"])
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise ValueError(f"item {number} must have 2 to {MAX_OPTIONS} options")
        for index, option in enumerate(options):
            _add_text(texts, f"{key}.{index}", option, f"item {number} option {index + 1}")
        questions.append(
            Question(
                id=f"{ident}{number}",
                text_key=key,
                options=tuple(Option(str(i), f"{key}.{i}") for i in range(len(options))),
            )
        )
    name = {lang: _text(data["name"], lang, "name") for lang in LANGUAGES}
    return Questionnaire(ident, name, days, tuple(questions), texts, scoring)


def _add_text(texts: dict[str, dict[str, str]], key: str, value: Any, where: str) -> None:
    for lang in LANGUAGES:
        texts[lang][key] = _text(value, lang, where)


def _text(value: Any, lang: str, where: str) -> str:
    if not isinstance(value, dict) or not str(value.get(lang) or "").strip():
        raise ValueError(f"{where} needs a text for each of {', '.join(LANGUAGES)}")
    return str(value[lang]).strip().replace("{", "{{").replace("}", "}}")  # catalogue-safe


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing {error.args[0]!r}"
    return str(error)
