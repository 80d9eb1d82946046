"""The structured check-in: which question comes next, and what the answers mean.

Questions, their order and conditions, and the rules mapping answers to a tier live in
``messages/triage/checkin.yaml``; this module only reads them. Pure functions: no clock,
no storage. A free-text answer to the last question ("note") is read by ``classify``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictInt, StrictStr, model_validator

from care.domain.triage.free_text import classify
from care.domain.triage.rules import DATA_DIR, RED_FLAG_ROWS
from care.domain.triage.signs import load_signs
from care.domain.triage.tiers import Tier, highest
from care.domain.yaml_models import Problem, Text, YamlModel, load_yaml, matching

CHECKIN_FILE = DATA_DIR / "checkin.yaml"
MAX_QUESTION_ID = 8
MAX_OPTION_ID = 4
NOTE_QUESTION = "note"


@dataclass(frozen=True)
class Option:
    id: str
    label_key: str


@dataclass(frozen=True)
class Question:
    id: str
    text_key: str
    options: tuple[Option, ...]
    only_if: tuple[tuple[str, tuple[str, ...]], ...] = ()
    approaches: tuple[str, ...] = ()

    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.id for option in self.options)

    def applies_to(self, approach: str) -> bool:
        return not self.approaches or approach in self.approaches

    def applies(self, answers: Mapping[str, str], approach: str) -> bool:
        if not self.applies_to(approach):
            return False
        return all(answers.get(question) in allowed for question, allowed in self.only_if)


@dataclass(frozen=True)
class Rule:
    id: str
    when: tuple[tuple[str, tuple[str, ...]], ...]
    tier: Tier
    flags: tuple[int, ...]
    sign: str | None
    source: str

    def fires(self, answers: Mapping[str, str]) -> bool:
        return all(answers.get(question) in allowed for question, allowed in self.when)


@dataclass(frozen=True)
class LegPainRebound:
    question: str
    rise: int
    tier: Tier
    flags: tuple[int, ...]
    nerve_tier: Tier
    nerve_signs: tuple[tuple[str, tuple[str, ...]], ...]
    sign: str | None
    source: str


@dataclass(frozen=True)
class BackPainDiscitis:
    question: str
    rise: int
    from_day: int
    to_day: int
    with_any: tuple[tuple[str, tuple[str, ...]], ...]
    tier: Tier
    flags: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class CheckinRules:
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    green_advice: tuple[tuple[int, str], ...]
    green_high_pain: tuple[int, str]
    leg_pain: LegPainRebound
    back_pain: BackPainDiscitis

    def message_keys(self) -> set[str]:
        """Every catalogue key the check-in can show (red and amber advice: signs.yaml)."""
        keys = {q.text_key for q in self.questions}
        keys.update(o.label_key for q in self.questions for o in q.options)
        keys.update(key for _, key in self.green_advice)
        keys.add(self.green_high_pain[1])
        return keys

    def signs(self) -> set[str]:
        """The signs (signs.yaml) whose advice the rules name."""
        named = {r.sign for r in self.rules} | {self.leg_pain.sign}
        return {sign for sign in named if sign}


@dataclass(frozen=True)
class Assessment:
    """The tier of a check-in's answers, the red-flag rows and rule ids behind it, and what
    to advise: for red and amber the ``sign`` whose advice applies (signs.yaml; None: the
    tier's default), for green the catalogue key ``advice_key``."""

    tier: Tier
    flags: tuple[int, ...]
    reasons: tuple[str, ...]
    advice_key: str | None = None
    sign: str | None = None


def _in_order(extra: Sequence[Question]) -> tuple[Question, ...]:
    """The check-in's questions with ``extra`` (a licensed questionnaire's items) inserted
    before the closing free-text note."""
    questions = load_checkin_rules().questions
    if not extra:
        return questions
    return (
        *(q for q in questions if q.id != NOTE_QUESTION),
        *extra,
        *(q for q in questions if q.id == NOTE_QUESTION),
    )


def checkin_questions(*, approach: str, extra: Sequence[Question] = ()) -> tuple[Question, ...]:
    """The questions a patient with this approach may be asked, in order (conditions on
    earlier answers are not applied here: see ``next_question``)."""
    return tuple(q for q in _in_order(extra) if q.applies_to(approach))


def next_question(
    answers: Mapping[str, str], *, approach: str, extra: Sequence[Question] = ()
) -> Question | None:
    """The first question not yet answered whose conditions hold; None when complete."""
    for question in _in_order(extra):
        if question.id in answers or not question.applies(answers, approach):
            continue
        return question
    return None


def progress(
    answers: Mapping[str, str], *, approach: str, extra: Sequence[Question] = ()
) -> tuple[int, int]:
    """(number of the question being asked, questions in this check-in so far): "3/11".

    The total counts the questions answered and those still to come whose conditions hold
    now; a follow-up that an answer brings in (headache -> worse upright?) adds one.
    """
    asked = [q for q in _in_order(extra) if q.id in answers or q.applies(answers, approach)]
    answered = sum(1 for q in asked if q.id in answers)
    return min(answered + 1, len(asked)), len(asked)


def assess_checkin(
    answers: Mapping[str, str],
    *,
    history: Sequence[Mapping[str, str]] = (),
    post_op_day: int,
    approach: str,
) -> Assessment:
    """Classify one completed check-in; ``history`` holds earlier check-ins, oldest first."""
    rules = load_checkin_rules()
    fired: list[tuple[Tier, tuple[int, ...], str, str | None]] = [
        (rule.tier, rule.flags, rule.id, rule.sign) for rule in rules.rules if rule.fires(answers)
    ]
    fired.extend(_leg_pain_rebound(answers, history, rules.leg_pain))
    fired.extend(_back_pain_discitis(answers, history, post_op_day, rules.back_pain))
    note = answers.get(NOTE_QUESTION)
    if note and note not in _option_ids(rules, NOTE_QUESTION):
        fired.extend(_free_text(note))
    tier = highest(entry[0] for entry in fired)
    if tier is Tier.GREEN:
        return Assessment(
            Tier.GREEN,
            (),
            tuple(e[2] for e in fired),
            advice_key=_green(rules, answers, post_op_day),
        )
    top = [entry for entry in fired if entry[0] is tier]
    counted = [entry for entry in fired if entry[0] is not Tier.GREEN]
    return Assessment(
        tier=tier,
        flags=tuple(sorted({flag for entry in counted for flag in entry[1]})),
        reasons=tuple(entry[2] for entry in counted),
        sign=next((e[3] for e in top if e[3]), None),
    )


def _leg_pain_rebound(
    answers: Mapping[str, str], history: Sequence[Mapping[str, str]], rule: LegPainRebound
) -> list[tuple[Tier, tuple[int, ...], str, str | None]]:
    # Any earlier score counts as "after having eased": the operation was for leg pain, so a
    # rise of `rule.rise` above the lowest score since surgery is past one patient's noise
    # (CLINICAL.md, "Pain scores"), even when only one check-in came before.
    scores = [s for s in (_score(h.get(rule.question)) for h in history) if s is not None]
    now = _score(answers.get(rule.question))
    if now is None or not scores or now - min(scores) < rule.rise:
        return []
    if any(answers.get(q) in allowed for q, allowed in rule.nerve_signs):
        return [(rule.nerve_tier, rule.flags, "leg_pain_rebound_with_nerve_sign", None)]
    return [(rule.tier, rule.flags, "leg_pain_rebound", rule.sign)]


def _back_pain_discitis(
    answers: Mapping[str, str],
    history: Sequence[Mapping[str, str]],
    post_op_day: int,
    rule: BackPainDiscitis,
) -> list[tuple[Tier, tuple[int, ...], str, str | None]]:
    if not rule.from_day <= post_op_day <= rule.to_day or not history:
        return []
    before = _score(history[-1].get(rule.question))
    now = _score(answers.get(rule.question))
    if before is None or now is None or now - before < rule.rise:
        return []
    if rule.with_any and not any(answers.get(q) in allowed for q, allowed in rule.with_any):
        return []
    return [(rule.tier, rule.flags, "back_pain_worse_weeks_2_to_8", "back_pain")]


def _free_text(note: str) -> list[tuple[Tier, tuple[int, ...], str, str | None]]:
    """A typed note counts when it is red or amber; an unsure one is left to the bot's
    follow-up question (``classify(note).question``) and recorded as a reason only."""
    result = classify(note)
    if result.tier in (Tier.RED, Tier.AMBER):
        return [(result.tier, result.flags, "note", None)]
    if result.tier is Tier.ASK:
        return [(Tier.GREEN, (), "note_unsure", None)]
    return []


def _score(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    return int(value)


def _green(rules: CheckinRules, answers: Mapping[str, str], post_op_day: int) -> str:
    at_least, high_pain = rules.green_high_pain
    pains = (_score(answers.get(q)) for q in (rules.leg_pain.question, rules.back_pain.question))
    if max((p for p in pains if p is not None), default=0) >= at_least:
        return high_pain
    for until_day, key in rules.green_advice:
        if post_op_day <= until_day:
            return key
    return rules.green_advice[-1][1]


def _option_ids(rules: CheckinRules, question_id: str) -> tuple[str, ...]:
    for question in rules.questions:
        if question.id == question_id:
            return question.option_ids()
    return ()


# ---- loading -------------------------------------------------------------------------


Conditions = dict[StrictStr, tuple[StrictStr, ...]]
Flags = tuple[StrictInt, ...] | None
_QUESTION_ID = re.compile(rf"[\x00-\x7f]{{1,{MAX_QUESTION_ID}}}\Z")
_OPTION_ID = re.compile(rf"[\x00-\x7f]{{1,{MAX_OPTION_ID}}}\Z")


def _check_flags(flags: Flags) -> None:
    for i, flag in enumerate(flags or ()):
        if flag not in RED_FLAG_ROWS:
            raise Problem(f"flags must be rows 1-14, got {flag}", "flags", i)


class _Question(YamlModel):
    id: Annotated[StrictStr, matching(_QUESTION_ID, f"at most {MAX_QUESTION_ID} ASCII characters")]
    text: StrictStr
    scale: tuple[StrictInt, StrictInt] | None = None
    options: tuple[StrictStr, ...] | None = None
    only_if: Conditions = Field(default_factory=dict)
    approaches: tuple[StrictStr, ...] = ()

    @model_validator(mode="after")
    def _options(self) -> _Question:
        if (self.scale is None) == (self.options is None):
            raise Problem("give either scale: [low, high] or a list of options")
        for option in self.to_question().options:
            if not _OPTION_ID.match(option.id):
                where = "scale" if self.options is None else "options"
                raise Problem(
                    f"option id {option.id!r}: at most {MAX_OPTION_ID} ASCII characters", where
                )
        return self

    def to_question(self) -> Question:
        if self.scale is not None:
            low, high = self.scale
            options = tuple(Option(str(n), f"triage.opt.scale.{n}") for n in range(low, high + 1))
        else:
            options = tuple(Option(o, f"triage.opt.{self.id}.{o}") for o in self.options or ())
        return Question(
            id=self.id,
            text_key=self.text,
            options=options,
            only_if=tuple(self.only_if.items()),
            approaches=self.approaches,
        )


class _Rule(YamlModel):
    id: StrictStr
    when: Conditions
    tier: Tier
    flags: Flags = None
    sign: StrictStr | None = None
    source: Text

    @model_validator(mode="after")
    def _tier(self) -> _Rule:
        if self.tier is Tier.ASK:
            raise Problem("a check-in is red, amber or green, never ask", "tier")
        _check_flags(self.flags)
        return self

    def to_rule(self) -> Rule:
        return Rule(
            self.id, tuple(self.when.items()), self.tier, self.flags or (), self.sign, self.source
        )


class _GreenHighPain(YamlModel):
    at_least: StrictInt
    key: StrictStr


class _GreenAdvice(YamlModel):
    until_day: StrictInt
    key: StrictStr


class _NerveSign(YamlModel):
    tier: Tier
    when_any: Conditions


class _LegPain(YamlModel):
    question: StrictStr
    rise: StrictInt
    tier: Tier
    flags: Flags = None
    with_nerve_sign: _NerveSign
    sign: StrictStr | None = None
    source: Text

    @model_validator(mode="after")
    def _flags(self) -> _LegPain:
        _check_flags(self.flags)
        return self


class _BackPain(YamlModel):
    question: StrictStr
    rise: StrictInt
    from_day: StrictInt
    to_day: StrictInt
    with_any: Conditions
    tier: Tier
    flags: Flags = None
    source: Text

    @model_validator(mode="after")
    def _flags(self) -> _BackPain:
        _check_flags(self.flags)
        return self


class _Trends(YamlModel):
    leg_pain_rebound: _LegPain
    back_pain_discitis: _BackPain


class CheckinFile(YamlModel):
    """The whole of ``checkin.yaml``; signs are checked against ``signs.yaml``."""

    version: Literal[1]
    questions: tuple[_Question, ...]
    green_high_pain: _GreenHighPain
    green_advice: tuple[_GreenAdvice, ...] = Field(min_length=1)
    rules: tuple[_Rule, ...]
    trends: _Trends

    @model_validator(mode="after")
    def _cross_references(self) -> CheckinFile:
        options: dict[str, set[str]] = {}
        for i, question in enumerate(self.questions):
            if question.id in options:
                raise Problem(
                    f"{question.id!r} is used twice; question ids must be unique",
                    "questions",
                    i,
                    "id",
                )
            options[question.id] = set(question.to_question().option_ids())
        for i, question in enumerate(self.questions):
            _check_conditions(question.only_if, options, "questions", i, "only_if")
        seen: set[str] = set()
        signs = load_signs().signs
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                raise Problem(
                    f"{rule.id!r} is used twice; rule ids must be unique", "rules", i, "id"
                )
            seen.add(rule.id)
            _check_conditions(rule.when, options, "rules", i, "when")
            if rule.sign is not None and rule.sign not in signs:
                raise Problem(f"no sign {rule.sign!r} in signs.yaml", "rules", i, "sign")
        leg, back = self.trends.leg_pain_rebound, self.trends.back_pain_discitis
        for name, trend in (("leg_pain_rebound", leg), ("back_pain_discitis", back)):
            if trend.question not in options:
                raise Problem(f"unknown question {trend.question!r}", "trends", name, "question")
        nerve = leg.with_nerve_sign.when_any
        _check_conditions(
            nerve, options, "trends", "leg_pain_rebound", "with_nerve_sign", "when_any"
        )
        _check_conditions(back.with_any, options, "trends", "back_pain_discitis", "with_any")
        if leg.sign is not None and leg.sign not in signs:
            raise Problem(
                f"no sign {leg.sign!r} in signs.yaml", "trends", "leg_pain_rebound", "sign"
            )
        return self

    def to_rules(self) -> CheckinRules:
        leg, back = self.trends.leg_pain_rebound, self.trends.back_pain_discitis
        return CheckinRules(
            questions=tuple(question.to_question() for question in self.questions),
            rules=tuple(rule.to_rule() for rule in self.rules),
            green_advice=tuple((entry.until_day, entry.key) for entry in self.green_advice),
            green_high_pain=(self.green_high_pain.at_least, self.green_high_pain.key),
            leg_pain=LegPainRebound(
                question=leg.question,
                rise=leg.rise,
                tier=leg.tier,
                flags=leg.flags or (),
                nerve_tier=leg.with_nerve_sign.tier,
                nerve_signs=tuple(leg.with_nerve_sign.when_any.items()),
                sign=leg.sign,
                source=leg.source,
            ),
            back_pain=BackPainDiscitis(
                question=back.question,
                rise=back.rise,
                from_day=back.from_day,
                to_day=back.to_day,
                with_any=tuple(back.with_any.items()),
                tier=back.tier,
                flags=back.flags or (),
                source=back.source,
            ),
        )


def _check_conditions(
    conditions: Mapping[str, Sequence[str]],
    options: Mapping[str, set[str]],
    *at: str | int,
) -> None:
    """Every condition names a question of the check-in and options it has."""
    for question, values in conditions.items():
        if question not in options:
            raise Problem(f"unknown question {question!r}", *at, question)
        unknown = set(values) - options[question]
        if unknown:
            known = ", ".join(sorted(options[question]))
            raise Problem(f"no option {sorted(unknown)} (options: {known})", *at, question)


@cache
def load_checkin_rules(path: Path = CHECKIN_FILE) -> CheckinRules:
    """Read and validate ``checkin.yaml`` once per path."""
    return load_yaml(path, CheckinFile).to_rules()
