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
from typing import Annotated, Literal

from pydantic import Field

from care.domain.triage.checkin import Option, Question
from care.domain.yaml_models import Count, Text, YamlModel, load_yaml, matching

LANGUAGES = ("ko", "en")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,3}$")  # question ids <id><n> stay within 8 chars
MAX_ITEMS = 99
MAX_OPTIONS = 10
Scoring = Literal["percent", "sum", "none"]


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


class _Texts(YamlModel):
    """A text in each language."""

    ko: Text
    en: Text

    def catalogue(self, lang: str) -> str:
        text: str = getattr(self, lang)
        return text.strip().replace("{", "{{").replace("}", "}}")  # catalogue-safe


class _Item(YamlModel):
    text: _Texts
    options: tuple[_Texts, ...] = Field(min_length=2, max_length=MAX_OPTIONS)


class QuestionnaireFile(YamlModel):
    """A clinic's questionnaire file (``messages/questionnaire.example.yaml`` shows it)."""

    id: Annotated[
        str, matching(ID_PATTERN, "1-4 lowercase letters or digits, starting with a letter")
    ]
    name: _Texts
    days: tuple[Count, ...] = Field(min_length=1)
    scoring: Scoring = "percent"
    items: tuple[_Item, ...] = Field(min_length=1, max_length=MAX_ITEMS)

    def to_questionnaire(self) -> Questionnaire:
        texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        questions = []
        for number, item in enumerate(self.items, start=1):
            key = f"questionnaire.{self.id}.{number}"
            for lang in LANGUAGES:
                texts[lang][key] = item.text.catalogue(lang)
                for index, option in enumerate(item.options):
                    texts[lang][f"{key}.{index}"] = option.catalogue(lang)
            questions.append(
                Question(
                    id=f"{self.id}{number}",
                    text_key=key,
                    options=tuple(Option(str(i), f"{key}.{i}") for i in range(len(item.options))),
                )
            )
        name = {lang: self.name.catalogue(lang) for lang in LANGUAGES}
        return Questionnaire(
            self.id, name, frozenset(self.days), tuple(questions), texts, self.scoring
        )


def load_questionnaire(path: Path) -> Questionnaire:
    """Read and check a questionnaire file; a mistake is one ConfigError saying where."""
    return load_yaml(path, QuestionnaireFile).to_questionnaire()
