"""Loading and validating the free-text rules (``messages/triage/free_text.yaml``).

The YAML is written for clinicians; this module turns it into frozen dataclasses with
compiled regular expressions, and refuses a file that names an unknown family,
modifier, tier or red-flag row, or holds a pattern that does not compile.

Korean patterns are matched against the spacing-free view of a clause (see
``korean.py``); ``<stem>`` in a Korean pattern stands for every form listed under that
stem in ``stems:``. English patterns are matched against the spaced, lower-case text and
may not start inside a word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from care.domain.errors import ConfigError
from care.domain.triage.reading import dialect_ending, dialect_word
from care.domain.triage.tiers import Tier

_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DATA_DIR = Path(__file__).resolve().parents[3] / "messages" / "triage"
FREE_TEXT_FILE = DATA_DIR / "free_text.yaml"
RED_FLAG_ROWS = range(1, 15)
_STEM = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class PatternSet:
    """Korean (spacing-free) and English regular expressions for one idea."""

    ko: tuple[re.Pattern[str], ...] = ()
    en: tuple[re.Pattern[str], ...] = ()

    @cached_property
    def ko_any(self) -> re.Pattern[str] | None:
        """All Korean patterns as one alternation: whether any of them matches, in one search."""
        return _alternation(self.ko)

    @cached_property
    def en_any(self) -> re.Pattern[str] | None:
        """All English patterns as one alternation."""
        return _alternation(self.en)


def _alternation(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


@dataclass(frozen=True)
class Family:
    """A phrase family: the ways patients say one symptom.

    ``plain`` patterns are cancelled by a negation cue in their clause; ``sign`` patterns
    contain a negation that is itself the warning sign (소변이 안 나와요, can't feel), so
    only a further negation outside the match cancels them. ``when`` maps a modifier id
    (still, worse, positional...) to the tier the finding takes when that modifier is
    present; modifiers that raise or keep the tier win over lowering ones.
    """

    id: str
    flag: int | None
    tier: Tier
    source: str
    question: str | None
    plain: PatternSet
    sign: PatternSet
    when: tuple[tuple[str, Tier], ...]
    across: PatternSet = PatternSet()


@dataclass(frozen=True)
class Modifier:
    """A qualifier (still, new, worse, severe, positional...) and whether it is read in the
    clause of the finding or anywhere in the message."""

    id: str
    scope: str
    patterns: PatternSet


@dataclass(frozen=True)
class Combination:
    """Findings that together are worse than alone (fever + stiff neck -> red).

    Each entry of ``all_of`` is a tuple of alternatives: one of them must be present.
    """

    id: str
    all_of: tuple[tuple[str, ...], ...]
    tier: Tier
    flags: tuple[int, ...]
    question: str | None
    source: str


@dataclass(frozen=True)
class Temperature:
    """Thresholds for a temperature written in the text, in degrees Celsius."""

    family: str
    fever_c: float
    low_grade_c: float
    fever_tier: Tier
    low_grade_tier: Tier
    weather: PatternSet
    body: PatternSet
    source: str


@dataclass(frozen=True)
class PainScore:
    """A rise of pain scores written in the text (3점이었는데 7점: up 3 or more)."""

    rise: int
    tier: Tier
    leg_family: str
    back_family: str
    back_words: PatternSet
    source: str


@dataclass(frozen=True)
class Others:
    """Who a symptom belongs to (CLINICAL.md trap 6): people who are never the patient
    (a friend, a grandchild, someone on the news), family who may be the patient unless the
    message says otherwise (their own cold, or the writer says they are the patient and
    fine), and the words for that."""

    never: PatternSet = PatternSet()
    media: PatternSet = PatternSet()
    family: PatternSet = PatternSet()
    own_illness: PatternSet = PatternSet()
    self_patient: PatternSet = PatternSet()
    self_subject: PatternSet = PatternSet()
    # a grandchild writing for a grandparent (round 5): the child's own words and news mark
    # the writer; then only the grandparent is the patient, not the writer nor a sibling
    child_writer: PatternSet = PatternSet()
    grandparent: PatternSet = PatternSet()
    sibling: PatternSet = PatternSet()


@dataclass(frozen=True)
class SafetyNet:
    """A body part or function named with a problem word, matching no rule: ask."""

    body: PatternSet = PatternSet()
    problem: PatternSet = PatternSet()
    question: str = "triage.ask.general"
    # the parts of the body a red-flag row is about (legs, saddle, neck...): a problem told of
    # one of them in words no family knows is a marker ``net_<domain>`` that combinations
    # read (fever with a neck "not right" is red); ``alone`` words are a problem by themselves
    domains: tuple[NetDomain, ...] = ()


@dataclass(frozen=True)
class NetDomain:
    """One part of the body or function of the safety net, as a marker for combinations."""

    id: str
    body: PatternSet = PatternSet()
    alone: PatternSet = PatternSet()
    unread_only: bool = False

    @property
    def marker(self) -> str:
        return f"net_{self.id}"


@dataclass(frozen=True)
class FreeTextRules:
    families: tuple[Family, ...]
    modifiers: tuple[Modifier, ...]
    combinations: tuple[Combination, ...]
    look_alikes: PatternSet
    look_alikes_message: PatternSet  # scope: message - may span clauses
    negation: PatternSet  # ko: after the finding; en: before it
    negation_after_en: PatternSet
    negation_window: int
    double_negation: PatternSet
    hedge: PatternSet
    conditional: PatternSet  # ko: right after the finding; en: before it
    hypothetical_question: PatternSet
    present_markers: PatternSet
    unwell: PatternSet
    temperature: Temperature
    spelling: tuple[tuple[str, str], ...]
    en_vocabulary: tuple[str, ...]
    en_common_words: frozenset[str]
    default_question: str
    symbols: tuple[tuple[str, str], ...] = ()
    telegraphic_nouns: tuple[tuple[str, str], ...] = ()
    romanised: tuple[tuple[str, str], ...] = ()
    romanised_context: tuple[tuple[str, str], ...] = ()
    pain_score: PainScore | None = None
    dialect_words: tuple[tuple[re.Pattern[str], str], ...] = ()
    dialect_endings: tuple[tuple[re.Pattern[str], str], ...] = ()
    glossary: tuple[tuple[str, str], ...] = ()
    english_words: frozenset[str] = frozenset()
    reassurance: PatternSet = PatternSet()
    others: Others = Others()
    safety_net: SafetyNet | None = None
    now_markers: PatternSet = PatternSet()

    def family(self, family_id: str) -> Family:
        for family in self.families:
            if family.id == family_id:
                return family
        raise KeyError(family_id)

    def message_keys(self) -> set[str]:
        """Every catalogue key these rules can put in a result."""
        keys = {self.default_question}
        if self.safety_net is not None:
            keys.add(self.safety_net.question)
        keys.update(f.question for f in self.families if f.question)
        keys.update(c.question for c in self.combinations if c.question)
        return keys


@cache
def load_free_text_rules(path: Path = FREE_TEXT_FILE) -> FreeTextRules:
    """Read, validate and compile the free-text rules once per path."""
    data = _read_yaml(path)
    try:
        return _build(data)
    except (KeyError, TypeError, ValueError, re.error) as error:
        raise ConfigError(f"{path.name}: {error}") from error


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            # libyaml's safe loader when the wheel has it: the same data, read several
            # times faster (the table is large and read at start-up)
            data = yaml.load(handle, Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path.name}: expected a mapping at the top level")
    return data


def _build(data: Mapping[str, Any]) -> FreeTextRules:
    stems = {str(k): str(v) for k, v in (data.get("stems") or {}).items()}

    def patterns(section: Mapping[str, Any] | None, ko: str = "ko", en: str = "en") -> PatternSet:
        section = section or {}
        return PatternSet(
            ko=tuple(_compile_ko(p, stems) for p in _strings(section.get(ko))),
            en=tuple(_compile_en(p) for p in _strings(section.get(en))),
        )

    modifiers = tuple(
        Modifier(
            id=str(item["id"]),
            scope=_choice(item.get("scope", "clause"), ("clause", "message"), "scope"),
            patterns=patterns(item),
        )
        for item in data["modifiers"]
    )
    modifier_ids = {m.id for m in modifiers}
    families = tuple(_family(item, patterns, modifier_ids) for item in data["families"])
    family_ids = [f.id for f in families]
    _unique(family_ids, "family")
    _unique([m.id for m in modifiers], "modifier")
    net_data = data.get("safety_net") or {}
    markers = {f"net_{domain}" for domain in net_data.get("domains") or {}}
    combinations = tuple(
        _combination(item, set(family_ids) | markers) for item in data["combinations"]
    )
    _unique([c.id for c in combinations], "combination")

    temp = data["temperature"]
    temperature = Temperature(
        family=str(temp["family"]),
        fever_c=float(temp["fever_c"]),
        low_grade_c=float(temp["low_grade_c"]),
        fever_tier=Tier(temp["fever_tier"]),
        low_grade_tier=Tier(temp["low_grade_tier"]),
        weather=patterns(temp.get("weather")),
        body=patterns(temp.get("body")),
        source=_source(temp, "temperature"),
    )
    if temperature.family not in family_ids:
        raise ValueError(f"temperature: unknown family {temperature.family!r}")

    pain_score = None
    if data.get("pain_score"):
        pain = data["pain_score"]
        pain_score = PainScore(
            rise=int(pain["rise"]),
            tier=Tier(pain["tier"]),
            leg_family=str(pain["leg_family"]),
            back_family=str(pain["back_family"]),
            back_words=patterns(pain.get("back_words")),
            source=_source(pain, "pain_score"),
        )
        for name in (pain_score.leg_family, pain_score.back_family):
            if name not in family_ids:
                raise ValueError(f"pain_score: unknown family {name!r}")
    romanised = data.get("romanised") or {}
    if romanised:
        _source(romanised, "romanised")

    negation = data["negation"]
    hypothetical = data["hypothetical"]
    dialect = data.get("dialect") or {}
    if dialect:
        _source(dialect, "dialect")
    gloss = data.get("glossary") or {}
    if gloss:
        _source(gloss, "glossary")
    others = data.get("others") or {}
    if others:
        _source(others, "others")
    net = data.get("safety_net")
    safety_net = None
    if net:
        _source(net, "safety_net")
        safety_net = SafetyNet(
            body=patterns(net.get("body")),
            problem=patterns(net.get("problem")),
            question=str(net.get("question") or data["default_question"]),
            domains=tuple(
                NetDomain(
                    id=str(domain),
                    body=patterns(section),
                    alone=patterns(section, ko="ko_alone", en="en_alone"),
                    unread_only=bool(section.get("unread_only", False)),
                )
                for domain, section in (net.get("domains") or {}).items()
            ),
        )
    reassurance = data.get("reassurance") or {}
    if reassurance:
        _source(reassurance, "reassurance")
    english_words = {str(w) for w in (romanised.get("english") or ())}
    english_words.update(str(w) for w in data.get("en_vocabulary") or ())
    english_words.update(str(w) for w in data.get("en_common_words") or ())
    return FreeTextRules(
        families=families,
        modifiers=modifiers,
        combinations=combinations,
        look_alikes=_merge(
            patterns(item) for item in data["look_alikes"] if _look_alike_scope(item) == "clause"
        ),
        look_alikes_message=_merge(
            patterns(item) for item in data["look_alikes"] if _look_alike_scope(item) == "message"
        ),
        negation=patterns(negation, ko="ko_after", en="en_before"),
        negation_after_en=patterns(negation, ko="-", en="en_after"),
        negation_window=int(negation["ko_window"]),
        double_negation=patterns(data["double_negation"]),
        hedge=patterns(data["hedge"]),
        conditional=patterns(hypothetical, ko="ko_after", en="en_before"),
        hypothetical_question=patterns(hypothetical, ko="question_ko", en="question_en"),
        present_markers=patterns(hypothetical, ko="present_ko", en="present_en"),
        unwell=patterns(data["unwell"]),
        temperature=temperature,
        spelling=tuple((str(k), str(v)) for k, v in (data.get("spelling") or {}).items()),
        en_vocabulary=tuple(str(w) for w in data.get("en_vocabulary") or ()),
        en_common_words=frozenset(str(w) for w in data.get("en_common_words") or ()),
        default_question=str(data["default_question"]),
        symbols=tuple((str(k), str(v)) for k, v in (data.get("symbols") or {}).items()),
        telegraphic_nouns=tuple(
            (str(k), str(v)) for k, v in (data.get("telegraphic_nouns") or {}).items()
        ),
        romanised=_spellings(romanised.get("words")),
        romanised_context=_spellings(romanised.get("context_words")),
        pain_score=pain_score,
        dialect_words=tuple(
            (dialect_word(str(k)), str(v)) for k, v in (dialect.get("words") or {}).items()
        ),
        dialect_endings=tuple(
            (dialect_ending(_expand_jamo(str(pair[0]))), str(pair[1]))
            for pair in dialect.get("endings") or ()
        ),
        glossary=tuple((str(k), str(v)) for k, v in (gloss.get("words") or {}).items()),
        english_words=frozenset(english_words),
        reassurance=patterns(reassurance),
        others=Others(
            never=patterns(others.get("never")),
            media=patterns(others.get("media")),
            family=patterns(others.get("family")),
            own_illness=patterns(others.get("own_illness")),
            self_patient=patterns(others.get("self_patient")),
            self_subject=patterns(others.get("self_subject")),
            child_writer=patterns(others.get("child_writer")),
            grandparent=patterns(others.get("grandparent")),
            sibling=patterns(others.get("sibling")),
        ),
        safety_net=safety_net,
        now_markers=patterns(hypothetical, ko="now_ko", en="now_en"),
    )


# syllables with a ㄴ final (아픈, 저린, 빨간): ``{N}`` in a dialect ending
_N_FINAL = "".join(chr(0xAC00 + syllable + 4) for syllable in range(0, 11172, 28))


def _expand_jamo(pattern: str) -> str:
    return pattern.replace("{N}", _N_FINAL)


def _look_alike_scope(item: Mapping[str, Any]) -> str:
    return _choice(item.get("scope", "clause"), ("clause", "message"), "look_alikes scope")


def _spellings(section: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """{hangul: [romanised spellings]} as (spelling, hangul) pairs."""
    pairs: list[tuple[str, str]] = []
    for hangul, spellings in (section or {}).items():
        pairs.extend((str(spelling), str(hangul)) for spelling in _strings(spellings))
    return tuple(pairs)


def _family(item: Mapping[str, Any], patterns: Any, modifier_ids: set[str]) -> Family:
    family_id = str(item["id"])
    flag = item.get("flag")
    if flag is not None and flag not in RED_FLAG_ROWS:
        raise ValueError(f"family {family_id}: flag {flag} is not a row of the red-flag table")
    when: list[tuple[str, Tier]] = []
    for modifier, tier in (item.get("when") or {}).items():
        if modifier not in modifier_ids:
            raise ValueError(f"family {family_id}: unknown modifier {modifier!r}")
        when.append((str(modifier), Tier(tier)))
    plain: PatternSet = patterns(item)
    sign: PatternSet = patterns(item, ko="ko_sign", en="en_sign")
    if not (plain.ko or plain.en or sign.ko or sign.en):
        raise ValueError(f"family {family_id}: no patterns")
    return Family(
        id=family_id,
        flag=int(flag) if flag is not None else None,
        tier=Tier(item["tier"]),
        source=_source(item, family_id),
        question=str(item["question"]) if item.get("question") else None,
        plain=plain,
        sign=sign,
        when=tuple(when),
        across=patterns(item, ko="ko_across", en="en_across"),
    )


def _combination(item: Mapping[str, Any], family_ids: set[str]) -> Combination:
    combination_id = str(item["id"])
    all_of = tuple(tuple(str(member).split("|")) for member in item["all"])
    for alternatives in all_of:
        for member in alternatives:
            if member not in family_ids:
                raise ValueError(f"combination {combination_id}: unknown family {member!r}")
    flags = tuple(int(flag) for flag in item.get("flags") or ())
    if any(flag not in RED_FLAG_ROWS for flag in flags):
        raise ValueError(f"combination {combination_id}: flags must be rows 1-14")
    return Combination(
        id=combination_id,
        all_of=all_of,
        tier=Tier(item["tier"]),
        flags=flags,
        question=str(item["question"]) if item.get("question") else None,
        source=_source(item, combination_id),
    )


def _compile_ko(pattern: str, stems: Mapping[str, str]) -> re.Pattern[str]:
    """Expand ``<stem>`` and compile; Korean patterns match anywhere."""

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in stems:
            raise ValueError(f"unknown stem <{name}> in {pattern!r}")
        return f"(?:{stems[name]})"

    return re.compile(_STEM.sub(expand, pattern))


def _compile_en(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z])(?:{pattern})")


def _merge(sets: Any) -> PatternSet:
    ko: list[re.Pattern[str]] = []
    en: list[re.Pattern[str]] = []
    for pattern_set in sets:
        ko.extend(pattern_set.ko)
        en.extend(pattern_set.en)
    return PatternSet(tuple(ko), tuple(en))


def _strings(value: object) -> Sequence[str]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return value


def _source(item: Mapping[str, Any], name: str) -> str:
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{name}: every rule must name its clinical source")
    return source


def _choice(value: object, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return str(value)


def _unique(ids: Sequence[str], kind: str) -> None:
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ValueError(f"{kind} id {item_id!r} defined twice")
        seen.add(item_id)
