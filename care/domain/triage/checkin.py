"""The structured check-in: which question comes next, and what the answers mean.

Questions, their order and conditions, and the rules mapping answers to a tier live in
``messages/triage/checkin.yaml``; this module only reads them. Pure functions: no clock,
no storage. A free-text answer to the last question ("note") is read by ``classify``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from care.domain.errors import ConfigError
from care.domain.triage.free_text import classify
from care.domain.triage.rules import DATA_DIR, RED_FLAG_ROWS
from care.domain.triage.signs import load_signs
from care.domain.triage.tiers import Tier, highest

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


@cache
def load_checkin_rules(path: Path = CHECKIN_FILE) -> CheckinRules:
    """Read and validate ``checkin.yaml`` once per path."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        return _build(data)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ConfigError(f"{path.name}: {error}") from error


def _build(data: Mapping[str, Any]) -> CheckinRules:
    questions = tuple(_question(item) for item in data["questions"])
    options = {q.id: set(q.option_ids()) for q in questions}
    if len(options) != len(questions):
        raise ValueError("question ids must be unique")
    rules = tuple(_rule(item, options) for item in data["rules"])
    if len({r.id for r in rules}) != len(rules):
        raise ValueError("rule ids must be unique")
    for question in questions:
        _check_conditions(question.id, question.only_if, options)
    trends = data["trends"]
    leg, back = trends["leg_pain_rebound"], trends["back_pain_discitis"]
    nerve = leg["with_nerve_sign"]
    return CheckinRules(
        questions=questions,
        rules=rules,
        green_advice=tuple((int(e["until_day"]), str(e["key"])) for e in data["green_advice"]),
        green_high_pain=(
            int(data["green_high_pain"]["at_least"]),
            str(data["green_high_pain"]["key"]),
        ),
        leg_pain=LegPainRebound(
            question=_known(str(leg["question"]), options),
            rise=int(leg["rise"]),
            tier=Tier(leg["tier"]),
            flags=_flags(leg),
            nerve_tier=Tier(nerve["tier"]),
            nerve_signs=_conditions(nerve["when_any"], options),
            sign=_sign(leg),
            source=_source(leg),
        ),
        back_pain=BackPainDiscitis(
            question=_known(str(back["question"]), options),
            rise=int(back["rise"]),
            from_day=int(back["from_day"]),
            to_day=int(back["to_day"]),
            with_any=_conditions(back["with_any"], options),
            tier=Tier(back["tier"]),
            flags=_flags(back),
            source=_source(back),
        ),
    )


def _question(item: Mapping[str, Any]) -> Question:
    question_id = str(item["id"])
    if not question_id.isascii() or not 0 < len(question_id) <= MAX_QUESTION_ID:
        raise ValueError(f"question id {question_id!r}: at most {MAX_QUESTION_ID} ASCII chars")
    if "scale" in item:
        low, high = (int(v) for v in item["scale"])
        options = tuple(Option(str(n), f"triage.opt.scale.{n}") for n in range(low, high + 1))
    else:
        options = tuple(Option(str(o), f"triage.opt.{question_id}.{o}") for o in item["options"])
    for option in options:
        if not option.id.isascii() or not 0 < len(option.id) <= MAX_OPTION_ID:
            raise ValueError(f"option id {option.id!r}: at most {MAX_OPTION_ID} ASCII chars")
    only_if = tuple(
        (str(q), tuple(str(v) for v in values)) for q, values in (item.get("only_if") or {}).items()
    )
    return Question(
        id=question_id,
        text_key=str(item["text"]),
        options=options,
        only_if=only_if,
        approaches=tuple(str(a) for a in item.get("approaches") or ()),
    )


def _rule(item: Mapping[str, Any], options: Mapping[str, set[str]]) -> Rule:
    tier = Tier(item["tier"])
    if tier is Tier.ASK:
        raise ValueError(f"rule {item['id']}: a check-in is red, amber or green, never ask")
    return Rule(
        id=str(item["id"]),
        when=_conditions(item["when"], options),
        tier=tier,
        flags=_flags(item),
        sign=_sign(item),
        source=_source(item),
    )


def _conditions(
    when: Mapping[str, Sequence[str]], options: Mapping[str, set[str]]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    result = tuple((str(q), tuple(str(v) for v in values)) for q, values in when.items())
    _check_conditions("rule", result, options)
    return result


def _check_conditions(
    owner: str,
    conditions: tuple[tuple[str, tuple[str, ...]], ...],
    options: Mapping[str, set[str]],
) -> None:
    for question, values in conditions:
        _known(question, options)
        unknown = set(values) - options[question]
        if unknown:
            raise ValueError(f"{owner}: {question} has no option {sorted(unknown)}")


def _known(question: str, options: Mapping[str, set[str]]) -> str:
    if question not in options:
        raise ValueError(f"unknown question {question!r}")
    return question


def _sign(item: Mapping[str, Any]) -> str | None:
    sign = item.get("sign")
    if sign is None:
        return None
    if str(sign) not in load_signs().signs:
        raise ValueError(f"{item.get('id', 'trend')}: no sign {sign!r} in signs.yaml")
    return str(sign)


def _flags(item: Mapping[str, Any]) -> tuple[int, ...]:
    flags = tuple(int(f) for f in item.get("flags") or ())
    if any(f not in RED_FLAG_ROWS for f in flags):
        raise ValueError(f"{item.get('id', 'trend')}: flags must be rows 1-14")
    return flags


def _source(item: Mapping[str, Any]) -> str:
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{item.get('id', 'trend')}: every rule must name its clinical source")
    return source
