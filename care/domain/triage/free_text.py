"""Reading a patient's free text for warning signs: ``classify(text) -> TriageResult``.

For each clause (see ``korean.py``) every phrase family of the rules is matched; each
match is then read in its clause:

* negated (열은 없어요, no fever) -> dropped, unless the negation is itself doubled
  (없지 않아요 -> present, unsure) or hedged (아닌 것 같긴 한데 -> ask);
* conditional or a general question (열나면 어떡해요?, can I get a fever?) -> dropped;
* a question about a symptom the patient seems to have, or hedged -> unsure: ask
  (a possible red sign stays red, with a confirming question);
* otherwise present, at the family's tier as raised or lowered by modifiers
  (still / improving / worse / new / severe / positional ...).

Findings are then combined by the rules' combinations (fever + stiff neck -> red), and
the message takes the highest tier. Nothing here drops a finding silently: a match that
is neither clearly negated nor clearly hypothetical is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import pairwise

from care.domain.triage.korean import (
    Clause,
    clauses,
    fix_english_typos,
    normalise,
    romanised_to_hangul,
    telegraphic,
    whole,
)
from care.domain.triage.learned import LearnedModel, load_learned_model
from care.domain.triage.reading import (
    chat,
    denied_denials,
    dialect,
    english_dialect,
    glossary,
    keyboard_korean,
    labelled_values,
    number_words,
    plain_english,
    replies,
    transliterate,
    withdrawn,
)
from care.domain.triage.rules import (
    Family,
    FreeTextRules,
    Others,
    PatternSet,
    load_free_text_rules,
)
from care.domain.triage.tiers import Tier, highest

_TEMPERATURE = re.compile(
    r"(?<![\d.])(\d{2,3}(?:\.\d{1,2})?)\s*(°\s*[cf]|도|degrees?\s*[cf]?|[cf](?![a-z])|"
    r"fahrenheit|celsius)?(?!\s*(?:kg|cm|mm|mg|세|살|분|시|번|%|키로|년|일|개|명|층|호|점|kg))"
)
_MASK = "□"
# whether the message says the patient has it now (started today, it's been hours): a
# question frame about a sign (is it normal that...) is then a report, asked about
_NOW: ContextVar[bool] = ContextVar("now", default=False)
# whether the clause being read belongs to a sentence that asks a question: a condition
# set earlier in the clause (열이 나면 해열제 먹고 ... 되나요?) makes what follows hypothetical
_ASKING: ContextVar[bool] = ContextVar("asking", default=False)
# whether the question being read is rhetorical: it carries a report (see ``_rhetorical``)
_RHETORICAL: ContextVar[bool] = ContextVar("rhetorical", default=False)


@dataclass(frozen=True)
class TriageResult:
    """What the classifier read in one message.

    ``flags`` are red-flag rows of CLINICAL.md behind a non-green tier; ``evidence`` the
    words of the text that matched; ``question`` the catalogue key of a follow-up question
    when the tier is ``ask`` or a possible red flag needs confirming.
    """

    tier: Tier
    flags: tuple[int, ...]
    evidence: tuple[str, ...]
    question: str | None


@dataclass(frozen=True)
class _Finding:
    family: str
    tier: Tier
    flags: tuple[int, ...]
    evidence: tuple[str, ...]
    question: str | None
    order: int


def classify(text: str) -> TriageResult:
    """Classify one patient message: the rules, backed by the learned second opinion.
    Deterministic; the rules and the model are loaded once."""
    return classify_with(text, load_free_text_rules(), load_learned_model())


def classify_with(
    text: str, rules: FreeTextRules, learned: LearnedModel | None = None
) -> TriageResult:
    """``classify`` against given rules (for tests and rule reviews); with ``learned``, a
    message the rules read as green that the model reads as a sign is asked about, and one
    the rules read as amber that it reads as a red sign is alerted as red (``learned.py``:
    the model only ever raises, and only those two ways)."""
    prepared = prepare(text, rules)
    result = _read_by_rules(prepared, rules)
    if learned is None or result.tier not in (Tier.GREEN, Tier.AMBER):
        return result
    scores = learned.scores(prepared)
    if result.tier is Tier.AMBER:
        if scores.red < learned.red_threshold:
            return result
        words = ", ".join(learned.strongest_words(prepared, head=learned.red))
        evidence = f"learned: reads like a red sign ({scores.red:.2f}; {words})"
        # the rules' rows and words are kept, the model's added; a red reading comes with
        # a question: the first row's
        question = next(
            (f.question for f in rules.families if f.flag in result.flags and f.question),
            rules.default_question,
        )
        return TriageResult(Tier.RED, result.flags, (*result.evidence, evidence), question)
    if not learned.asks(scores):
        return result
    if scores.sign >= learned.threshold:
        words = ", ".join(learned.strongest_words(prepared))
        evidence = f"learned: reads like a warning sign ({scores.sign:.2f}; {words})"
    else:
        words = ", ".join(learned.strongest_words(prepared, head=learned.red))
        evidence = f"learned: reads like a red sign ({scores.red:.2f}; {words})"
    question = rules.safety_net.question if rules.safety_net else rules.default_question
    return TriageResult(Tier.ASK, (), (evidence,), question)


def _read_by_rules(prepared: str, rules: FreeTextRules) -> TriageResult:
    """The rules' reading of a message in standard written form."""
    message = _masked(whole(prepared), rules)
    _NOW.set(_any(rules.now_markers, message))
    _ASKING.set(False)
    _RHETORICAL.set(False)
    message_modifiers = {
        m.id for m in rules.modifiers if m.scope == "message" and _any(m.patterns, message)
    }
    findings: list[_Finding] = []
    # a bare number (열 재보니까 / 38 나와요) is a temperature only when the message says so
    body_temperature = _any(rules.temperature.body, message)
    spans = _message_look_alikes(prepared, rules)
    parts = clauses(prepared)
    owners = _owners(parts, message, rules)
    net: list[_Finding] = []
    others_spans: list[tuple[int, int]] = []
    in_condition = False
    cursor = 0
    before_surgery = _before_surgery(parts, rules)
    falling_scores = _scores_fall(message)
    clause_spans: list[tuple[int, int, set[str]]] = []
    for clause_number, clause in enumerate(parts):
        offset = prepared.find(clause.text, cursor)
        cursor = max(cursor, offset + len(clause.text)) if offset >= 0 else cursor
        if owners[clause_number] is not None:
            others_spans.append((offset, offset + len(clause.text)))
            continue  # someone who is not the patient (trap 6)
        # a question whose condition was set in an earlier clause (열이 나면 / 해열제 먹고
        # 기다려도 되나요?): the clauses after the condition are hypothetical too
        hypothetical = in_condition and _asks_later(parts, clause_number)
        in_condition = (in_condition and not _sentence_break(clause)) or bool(
            _CONDITION_END.search(clause.text)
        )
        if hypothetical:
            continue
        _ASKING.set(clause.is_question or _asks_later(parts, clause_number))
        _RHETORICAL.set(clause.is_question and _rhetorical(parts, clause_number))
        masked = _masked(clause, rules, _spans_in(spans, offset, len(clause.text)))
        clause_modifiers = message_modifiers | {
            m.id for m in rules.modifiers if m.scope == "clause" and _any(m.patterns, masked)
        }
        if "past_episode" in clause_modifiers and not _NOW_CONTRAST.search(masked.text):
            continue  # 애 낳을 때 두통이 심했는데: another, past episode (not now)
        if before_surgery[clause_number]:
            clause_modifiers.add("preexisting")
        if falling_scores:
            # 다리 통증 수술 전 8점 → 지금 2점: the score read is the old one
            clause_modifiers -= {"severe", "severe_in_message"}
            clause_modifiers.add("improving")
        if _USED_TO.search(masked.text):
            clause_modifiers.discard("improving")  # 누우면 나았었는데: it no longer does
        if offset >= 0:
            clause_spans.append((offset, offset + len(clause.text), clause_modifiers))
        for family in rules.families:
            finding = _read_family(family, clause, masked, clause_modifiers, rules)
            if finding is not None:
                findings.append(_with_order(finding, clause_number))
        findings.extend(
            _with_order(finding, clause_number)
            for finding in _temperatures(clause, masked, rules, body_temperature)
        )
        # what the next clause says of this one, when it names no part of its own (다리가
        # 좀 뻐근한데 / 수술 전보다 훨씬 나아요): improving or from before surgery
        comment = _comment_modifiers(parts, clause_number, rules)
        caught, markers = _safety_net(clause, masked, clause_modifiers | comment, rules)
        read = _read_by_a_family(masked, rules)
        if caught is not None and not read:
            net.append(_with_order(caught, clause_number))
        findings.extend(
            _with_order(marker, clause_number)
            for marker in markers
            if not (read and marker.family in _unread_only(rules))
        )
        unwell = _present(rules.unwell, masked, rules)
        if unwell is not None:
            net.append(_Finding("unwell", Tier.ASK, (), (unwell,), None, 10**6))
    if not others_spans:
        findings.extend(_pain_scores(message, rules))
        findings.extend(_hours_without_urine(message, rules))
        findings.extend(_strength_scores(message, rules))
        findings.extend(_positional_scores(message, rules))
        findings.extend(_reduced_shares(message, rules))
        findings.extend(_side_counts(message, rules))
    for family in rules.families:
        finding = _read_across(family, message, rules)
        if finding is not None and not any(
            start <= finding.order < end for start, end in others_spans
        ):
            findings.append(_with_order(_in_its_time(finding, family, clause_spans), 9_999))
    findings.extend(_combinations(findings, rules))
    if highest(f.tier for f in findings) is Tier.GREEN and net:
        findings.append(net[0])
    return _result(findings, rules)


def prepare(text: str, rules: FreeTextRules) -> str:
    """The message in standard written form (see ``reading.py``): chat noise dropped,
    Korean typed on an English keyboard in Hangul, normalised, romanised Korean in Hangul,
    English medical words in a Korean sentence in Korean, dialect and Konglish in standard
    forms, numbers in digits, what the writer withdrew dropped, English typos repaired."""
    text = keyboard_korean(chat(text), rules.english_words)
    normalised = normalise(
        replies(labelled_values(text)), dict(rules.spelling), dict(rules.symbols)
    )
    normalised = telegraphic(plain_english(normalised), dict(rules.telegraphic_nouns))
    cleaned = transliterate(normalised, rules.english_words)
    cleaned = romanised_to_hangul(cleaned, dict(rules.romanised), dict(rules.romanised_context))
    cleaned = glossary(cleaned, rules.glossary)
    cleaned = dialect(cleaned, rules.dialect_words, rules.dialect_endings)
    cleaned = withdrawn(number_words(denied_denials(english_dialect(cleaned))))
    if cleaned != normalised:
        cleaned = normalise(cleaned, dict(rules.spelling))  # respell what was rewritten
    return fix_english_typos(cleaned, rules.en_vocabulary, rules.en_common_words)


def _owners(parts: Sequence[Clause], message: Clause, rules: FreeTextRules) -> list[str | None]:
    """For each clause, who its symptoms belong to when that is clearly not the patient
    (CLINICAL.md trap 6), else None.

    A clause that names someone who is never the patient (a friend, a grandchild, someone
    on television) is theirs, and so are the clauses after it that name no one else while
    the sentence goes on (손주가 감기에 걸려서 / 열이 나요). A family member may be the
    patient (a caregiver writes for them): their clauses are theirs only when the message
    names their own illness (감기, flu) or the writer says they are the patient and fine.
    Any clause that names the writer (저는, I, my leg) is the patient's again.
    """
    others = rules.others
    if _any(others.child_writer, message) and _any(others.grandparent, message):
        return _child_writers_owners(parts, others)
    writer_fine = _any(others.self_patient, message)
    family_is_other = _any(others.own_illness, message) or writer_fine
    owners: list[str | None] = []
    current: str | None = None
    for number, clause in enumerate(parts):
        # the writer says they are fine (제 상처는 깨끗해요, I'm walking well myself): the
        # other person's story runs until the writer speaks of themselves
        if number and _sentence_break(parts[number - 1]) and not writer_fine:
            current = None
        self_at = _first(others.self_subject, clause)
        other_at = min(
            (
                (position, kind)
                for kind, patterns in (
                    ("never", others.never),
                    ("never", others.media),
                    ("family", others.family),
                )
                if (position := _first(patterns, clause)) is not None
            ),
            default=None,
        )
        if other_at is not None and (self_at is None or other_at[0] <= self_at):
            current = other_at[1]
        elif self_at is not None:
            current = None
        owner = current
        if owner == "family" and not family_is_other:
            owner = None
        owners.append(owner)
    return _quoted_owners(parts, owners)


# a clause that ends a quotation (안 올라간다고, 저리다고), and the saying of the next clause
_QUOTE_END = re.compile(r"[가-힣](?:다|라|냐|자)고[,]?$")
_SAYING = re.compile(
    r"그러(?:시)?(?:던데|더라|더라고|대요|세요|셨)|그랬|(?:말|얘기|이야기)(?:하|했|씀)|하더|하던|하시던|하셨"
)


def _quoted_owners(parts: Sequence[Clause], owners: list[str | None]) -> list[str | None]:
    """What someone who is never the patient is quoted as saying is theirs (까치발 하려는데
    한쪽이 안 올라간다고 옆 침대 할머니가 그러시던데): the clauses of the quotation, back to
    the start of its sentence, belong to the speaker of the next clause (round 6)."""
    owners = list(owners)
    for number in range(len(parts) - 1):
        speaker = owners[number + 1]
        if speaker != "never" or owners[number] is not None:
            continue
        if not _QUOTE_END.search(parts[number].text.rstrip()) or not _SAYING.search(
            parts[number + 1].text
        ):
            continue
        start = number
        while start > 0 and not re.search(r"[.!?]$", parts[start - 1].text.rstrip()):
            start -= 1
        for quoted in range(start, number + 1):
            owners[quoted] = speaker
    return owners


_BARE_I = re.compile(r"(?:^|(?<=\s))저(?=\s)")


def _child_writers_owners(parts: Sequence[Clause], others: Others) -> list[str | None]:
    """A grandchild writing for a grandparent (저 감기 걸려서 학교 안 갔어요 할아버지는 열
    없어요): the clauses that name the writer or a sibling are theirs, and so are the clauses
    after them in their sentence, up to one that names the grandparent (the patient)."""
    owners: list[str | None] = []
    current: str | None = None
    for number, clause in enumerate(parts):
        if number and _sentence_break(parts[number - 1]):
            current = None
        bare = _BARE_I.search(clause.text)  # 저 감기 걸려서: "I" with no particle
        writer_at = _first(others.self_subject, clause) if bare is None else bare.start()
        sibling_at = _first(others.sibling, clause)
        grandparent_at = _first(others.grandparent, clause)
        mine = min((at for at in (writer_at, sibling_at) if at is not None), default=None)
        if grandparent_at is not None and (mine is None or grandparent_at <= mine):
            current = None
        elif mine is not None:
            current = "writer"
        owners.append(current)
    return owners


# what says a clause is about now, after the operation: 지금은, 이제는, 수술 후에는, now
_NOW_CONTRAST = re.compile(
    r"지금|이제|현재|요즘|수술\s?후|수술하고\s?나서|퇴원\s?후|오늘|어제|다만|"
    r"\b(?:now|nowadays|these days|today|yesterday|since (?:the |my )?(?:op|operation|surgery)|"
    r"after (?:the |my )?(?:op|operation|surgery))\b"
)
# the double past (나았었는데, 괜찮았었는데): a state that no longer holds
_USED_TO = re.compile(r"[았었였]었(?:는데|지만|다가|어요|습니다|고)")
# a sign back as it was before the operation is a recurrence, not a sign of the past
_RECURRENCE = re.compile(r"다시|또|재발|돌아|\b(?:back|again|returned|recurr\w*)\b")
_BUT = re.compile(r"(?<=[가-힣])(?:으나|지만|는데)\s|\bbut\b")
# a clause that points back at the sign before it: 발이 끌리는 거는 / 수술 전에 그랬는데
_ANAPHOR = re.compile(r"그랬|그러|그런|그렇|\b(?:that was|it was|same as)\b")


def _in_its_time(
    finding: _Finding, family: Family, spans: Sequence[tuple[int, int, set[str]]]
) -> _Finding:
    """A finding read across clauses, lowered when the clause it starts in is from before
    surgery or improving (수술 전에는 소변 보는 것이 시원치 않아 / 걱정이 많았는데)."""
    modifiers = next((m for start, end, m in spans if start <= finding.order < end), set())
    if not modifiers & {"preexisting", "improving"}:
        return finding
    tier = _tier_with_modifiers(family, modifiers & {"preexisting", "improving"})
    if tier.rank >= finding.tier.rank:
        return finding
    return _Finding(
        finding.family, tier, finding.flags, finding.evidence, finding.question, finding.order
    )


def _before_surgery(parts: Sequence[Clause], rules: FreeTextRules) -> list[bool]:
    """For each clause, whether the sentence it belongs to sets it before the operation
    (수술 전에는 다리가 저려 잠도 못 이루고 화장실 가기도 힘들었는데, / 이제는 ...): a
    clause that names a sign from before surgery carries that time to the clauses after
    it in its sentence, and a clause that says "it was so before surgery" (수술 전에
    그랬는데) to the clauses before it, up to a clause about now (지금은, 이제는, now)."""
    preexisting = next((m for m in rules.modifiers if m.id == "preexisting"), None)
    inherited = [False] * len(parts)
    if preexisting is None:
        return inherited
    for number, clause in enumerate(parts):
        if (
            not _any(preexisting.patterns, clause)
            or _NOW_CONTRAST.search(clause.text)
            or _RECURRENCE.search(clause.text)
        ):
            continue
        if _read_by_a_family(_masked(clause, rules), rules):
            for later in range(number + 1, len(parts)):
                # 넘어지기도 하였으나 지금은 ...: only what comes before the contrast
                if _NOW_CONTRAST.search(_BUT.split(parts[later].text)[0]):
                    break
                inherited[later] = True
                if _sentence_break(parts[later]):
                    break
        if _ANAPHOR.search(clause.text):
            for earlier in range(number - 1, -1, -1):
                if _sentence_break(parts[earlier]) or _NOW_CONTRAST.search(parts[earlier].text):
                    break
                inherited[earlier] = True
    return inherited


_KO_CONDITION_BEFORE = re.compile(r"[가-힣](?<!측)(?<!표)(?<!화)(?<!정)(?<!이)면 ")
# a clause that sets a condition: 열이 나면, 소변이 안 나오면, if I get a fever
_CONDITION_END = re.compile(r"(?:[가-힣]면|\bif\b.*)[,]?$")


# a question that carries a report (round 6): the sign at a degree (how can a headache be
# this bad?, 어떻게 이렇게 아플 수가 있어요?), how come, asking someone to explain why
_RHETORICAL_FORM = re.compile(
    r"\b(?:this|that|so) (?:bad|awful|severe|painful|swollen|weak|numb|high|intense|much)\b"
    r"|\bhow come\b|\b(?:explain|tell (?:me|us))(?: to me)? why\b"
    r"|이렇게|이토록|이\s?정도로|이럴\s?수|어떻게[가-힣 ]*?수(?:가|도)?\s?있"
)
# ...or answered by the next sentence: the writer names themselves (apparently me, 제가요),
# says how they found out (바지 보고 알았어요), or adds a sign with "too"
_RHETORICAL_ANSWER = re.compile(
    r"^(?:(?:apparently|turns out|well|yes|yep|yeah|guess what|and|oh),?\s)*"
    r"(?:me|it'?s me|that'?s me|i do|i did|this guy|this girl)\b"
    r"|\b(?:too|as well|also)\b[.!]*$|\bon top of (?:that|it)\b"
    r"|^(?:제가요|저요|제가\s?그래요|저예요|제\s?얘기예요)|보고\s?알았|알고\s?보니|나중에\s?알았"
    r"|게다가|거기다가?|또한"
)
# a negative question's auxiliary at its start: isn't, doesn't, aren't, don't
_NEGATIVE_QUESTION = re.compile(r"^\s*(?:isn'?t|aren'?t|doesn'?t|don'?t|wasn'?t|won'?t)\b")


def _rhetorical(parts: Sequence[Clause], number: int) -> bool:
    """Whether the question ending in clause ``number`` carries a report: its sentence says
    the sign at a degree or asks why it happened (``_RHETORICAL_FORM``), or the sentence
    after it answers with the writer or adds a sign "too" (who wets themselves without
    noticing?? apparently me; 어떻게 내가 싼 줄도 모를 수가 있어요? 바지 보고 알았어요)."""
    start = number
    while start > 0 and not _sentence_break(parts[start - 1]):
        start -= 1
    if any(_RHETORICAL_FORM.search(c.text) for c in parts[start : number + 1]):
        return True
    following = []
    for clause in parts[number + 1 :]:
        if clause.is_question:
            break
        following.append(clause)
        if _sentence_break(clause):
            break
    return bool(following) and any(_RHETORICAL_ANSWER.search(c.text) for c in following)


def _asks_later(parts: Sequence[Clause], number: int) -> bool:
    """Whether the sentence of clause ``number`` ends in a question."""
    for clause in parts[number:]:
        if clause.is_question:
            return True
        if _sentence_break(clause):
            return False
    return False


def _sentence_break(clause: Clause) -> bool:
    """Whether the clause ends its sentence (or a clause the next one does not continue:
    -는데 / -지만 / but start afresh, so 손주가 왔는데 / 열이 나요 is the patient's fever)."""
    text = clause.text.rstrip()
    if re.search(r"[.!?…~;]$", text):
        return True
    if re.search(r"[가-힣]$", text):
        last = text.split()[-1] if text.split() else text
        continues = re.search(
            r"(?:서|고|며|면서|니까|어서|아서|해서|려서|워서|와서|나서|라서)[,]?$", last
        )
        return not continues
    return False


def _first(patterns: PatternSet, clause: Clause) -> int | None:
    """The position in ``clause.text`` where ``patterns`` first match, or None."""
    positions = []
    if patterns.ko_any is not None:
        match = patterns.ko_any.search(clause.compact)
        if match:
            positions.append(clause.index[match.start()])
    if patterns.en_any is not None:
        match = patterns.en_any.search(clause.text)
        if match:
            positions.append(match.start())
    return min(positions, default=None)


def _present(patterns: PatternSet, clause: Clause, rules: FreeTextRules) -> str | None:
    """The words of the first match of ``patterns`` that is neither negated nor
    hypothetical in ``clause`` (a match holding its own negation, 안 좋아요, is read as a
    sign: only a further negation cancels it)."""
    for group, compact in ((patterns.ko, True), (patterns.en, False)):
        for pattern in group:
            for match in pattern.finditer(clause.compact if compact else clause.text):
                if compact:
                    start = clause.index[match.start()]
                    end = clause.index[match.end() - 1] + 1
                else:
                    start, end = match.span()
                if end > start and _status(clause, start, end, sign=True, rules=rules):
                    return clause.text[start:end]
    return None


def _safety_net(
    clause: Clause, masked: Clause, modifiers: set[str], rules: FreeTextRules
) -> tuple[_Finding | None, list[_Finding]]:
    """A body part or function named with a problem word in one clause: ask, never green.

    Also the parts of the body it names with that problem, as markers (``net_neck``) that
    combinations read: a fever with a neck that "won't bend" is red though no family knows
    the words. Not when the clause says it is improving or from before surgery.
    """
    net = rules.safety_net
    if net is None or modifiers & {"improving", "preexisting"}:
        return None, []
    named = [domain for domain in net.domains if _any(domain.body, masked)]
    problem = None
    if named or _any(net.body, masked):
        problem = _present(net.problem, masked, rules)
    hit = [domain for domain in net.domains if _present(domain.alone, masked, rules) is not None]
    if problem is not None:
        hit += [domain for domain in named if domain not in hit]
    if problem is None and not hit:
        return None, []
    evidence = (clause.text.strip(),)
    markers = [_Finding(domain.marker, Tier.GREEN, (), evidence, None, 0) for domain in hit]
    return _Finding("safety_net", Tier.ASK, (), evidence, net.question, 0), markers


def _unread_only(rules: FreeTextRules) -> set[str]:
    """The markers set only in a clause no family read (net domains with unread_only)."""
    net = rules.safety_net
    return {d.marker for d in net.domains if d.unread_only} if net is not None else set()


def _comment_modifiers(parts: Sequence[Clause], number: int, rules: FreeTextRules) -> set[str]:
    """The improving / from-before-surgery modifiers of the clause after ``number`` in the
    same sentence, when that clause names no part of the body itself (a comment on this
    clause's sign)."""
    net = rules.safety_net
    if net is None or number + 1 >= len(parts) or re.search(r"[.!?…~;]$", parts[number].text):
        return set()
    following = parts[number + 1]
    if _any(net.body, following) or any(_any(d.body, following) for d in net.domains):
        return set()
    return {
        m.id
        for m in rules.modifiers
        if m.id in ("improving", "preexisting") and _any(m.patterns, following)
    }


def _read_by_a_family(clause: Clause, rules: FreeTextRules) -> bool:
    """Whether some family's words are in the clause (whatever it made of them: a sign
    negated, from before surgery or improving was read, and is not asked about again)."""
    return any(
        _any(family.sign, clause) or _any(family.plain, clause)
        for family in rules.families
        if family.flag or family.tier is not Tier.GREEN  # not a marker such as leg_word
    )


def _read_family(
    family: Family, clause: Clause, masked: Clause, modifiers: set[str], rules: FreeTextRules
) -> _Finding | None:
    best: _Finding | None = None
    for start, end, sign in _matches(family, masked):
        status = _status(masked, start, end, sign=sign, rules=rules)
        if status is None:
            continue
        tier = _tier_with_modifiers(family, modifiers)
        if status == "unsure":
            tier = Tier.ASK if tier is Tier.AMBER else tier
        elif status == "negated_unsure":
            tier = Tier.ASK if family.tier.rank >= Tier.ASK.rank else Tier.GREEN
        finding = _Finding(
            family=family.id,
            tier=tier,
            flags=(family.flag,) if family.flag else (),
            evidence=(clause.text[start:end],),
            question=family.question,
            order=start,
        )
        if best is None or finding.tier.rank > best.tier.rank:
            best = finding
    return best


def _read_across(family: Family, message: Clause, rules: FreeTextRules) -> _Finding | None:
    """Patterns that must see the whole message (마려운데 ... 안 나와요 spans two clauses;
    "he needs to go but nothing happens")."""
    for start, end in _across_spans(family, message):
        # a negation after the match counts only up to the end of its own clause
        stop = _CLAUSE_END.search(message.text, end)
        scope = whole(message.text[: stop.start() if stop else len(message.text)])
        status = _status(scope, start, end, sign=True, rules=rules)
        if status is None:
            continue
        tier = family.tier
        if status != "present" and tier is Tier.AMBER:
            tier = Tier.ASK
        flags = (family.flag,) if family.flag else ()
        return _Finding(family.id, tier, flags, (message.text[start:end],), family.question, start)
    return None


_CLAUSE_END = re.compile(r"[.,!?;~]|(?<=[요다])\s")


def _across_spans(family: Family, message: Clause) -> Iterable[tuple[int, int]]:
    for pattern in family.across.ko:
        for match in pattern.finditer(message.compact):
            yield message.index[match.start()], message.index[match.end() - 1] + 1
    for pattern in family.across.en:
        for match in pattern.finditer(message.text):
            if match.end() > match.start():
                yield match.start(), match.end()


def _matches(family: Family, clause: Clause) -> Iterable[tuple[int, int, bool]]:
    """(start, end, is_sign) positions in ``clause.text`` of every match of ``family``."""
    for patterns, sign in ((family.sign, True), (family.plain, False)):
        # one search over the set's alternation first: most clauses match none of it
        if not _any(patterns, clause):
            continue
        for pattern in patterns.ko:
            for match in pattern.finditer(clause.compact):
                if match.end() > match.start():
                    yield clause.index[match.start()], clause.index[match.end() - 1] + 1, sign
        for pattern in patterns.en:
            for match in pattern.finditer(clause.text):
                if match.end() > match.start():
                    yield match.start(), match.end(), sign


# 안 written joined to a sign that does not hold it (지금은 안끌려요): not dragging now
_KO_NOT_JOINED = re.compile(r"(?:^|\s)안$")


def _status(
    clause: Clause, start: int, end: int, *, sign: bool, rules: FreeTextRules
) -> str | None:
    """present | unsure | negated_unsure, or None when negated or hypothetical."""
    text = clause.text
    after = _compact(text[end:])[: rules.negation_window]
    ko_region = after if sign else _compact(text[start:end]) + after
    before = text[:start]
    if _RHETORICAL.get():
        # isn't coughing up blood a bad sign?: the question's own auxiliary negates nothing
        before = _NEGATIVE_QUESTION.sub("", before, count=1)
    negated = (
        _KO_NOT_JOINED.search(text[:start]) is not None
        or _found(rules.negation.ko_any, ko_region)
        or _found(rules.negation.en_any, before)
        or _found(rules.negation_after_en.en_any, text[end:], anchored=True)
    )
    hedged = _any(rules.hedge, clause)
    if negated:
        # a negation of a sign whose own negation is the sign (감각이 없는 건 아니에요, it
        # isn't that I can't feel) cancels it: look for a doubled negation after the sign
        # only; before an English match (I can't say it's not swollen) and over a plain
        # Korean match and what follows (열이 없지 않아요)
        doubled = _found(
            rules.double_negation.ko_any, _compact(text[end if sign else start :])
        ) or _found(rules.double_negation.en_any, text[: start if sign else end])
        if doubled:
            return "unsure"
        return "negated_unsure" if hedged else None
    if _found(rules.conditional.ko_any, after, anchored=True):
        return None
    if _ASKING.get() and _KO_CONDITION_BEFORE.search(text[:start]):
        return None
    if _found(rules.conditional.en_any, before):
        # "is it normal that I can't feel when I pee? it started today": a report
        return "unsure" if _NOW.get() and (clause.is_question or "?" in text) else None
    if clause.is_question and _RHETORICAL.get():
        return "present"
    if clause.is_question:
        general = _any(rules.hypothetical_question, clause)
        return None if general and not _any(rules.present_markers, clause) else "unsure"
    return "unsure" if hedged else "present"


def _tier_with_modifiers(family: Family, modifiers: set[str]) -> Tier:
    """The family's tier as its modifiers in the clause raise or lower it.

    A modifier that raises the tier or keeps it (weakness ``worse: red``) wins over one
    that lowers it: 수술 전부터 힘이 없었는데 더 약해졌어요 is progressing weakness, red.
    """
    applied = [tier for modifier, tier in family.when if modifier in modifiers]
    raising = [tier for tier in applied if tier.rank >= family.tier.rank]
    if raising:
        return highest(raising)
    if applied:
        return min(applied, key=lambda tier: tier.rank)
    return family.tier


def _temperatures(
    clause: Clause, masked: Clause, rules: FreeTextRules, body_temperature: bool = False
) -> Iterable[_Finding]:
    """Temperatures written in the clause: 38.2, 38도, 38.2℃, 100.8F; a bare whole number
    (38, 102) only when the message speaks of the body's temperature (열, 체온, temp)."""
    settings = rules.temperature
    if _any(settings.weather, masked) and not _any(settings.body, masked):
        return
    family = rules.family(settings.family)
    for match in _TEMPERATURE.finditer(masked.text):
        value = float(match.group(1))
        unit = (match.group(2) or "").replace(" ", "")
        has_unit_or_decimal = bool(unit) or "." in match.group(1)
        if not has_unit_or_decimal and not (body_temperature and _bare_degrees(value)):
            continue
        if unit.startswith(("°f", "f", "fahrenheit", "degreesf")) or 95 <= value <= 110:
            value = (value - 32) * 5 / 9
        if not 34 <= value <= 43 or value < settings.low_grade_c:
            continue
        status = _status(masked, match.start(), match.end(), sign=False, rules=rules)
        if status is None and _conditional_but_now(masked, match.end(), rules):
            status = "unsure"  # 오늘 열까지 38도 넘으면...: a reading the patient has now
        if status is None:
            continue
        tier = settings.fever_tier if value >= settings.fever_c else settings.low_grade_tier
        if status != "present" and tier is Tier.AMBER:
            tier = Tier.ASK
        yield _Finding(
            family=family.id,
            tier=tier,
            flags=(family.flag,) if family.flag else (),
            evidence=(clause.text[match.start() : match.end()].strip(),),
            question=family.question,
            order=match.start(),
        )


def _conditional_but_now(clause: Clause, end: int, rules: FreeTextRules) -> bool:
    """A temperature in a conditional (38도 넘으면) in a clause that says it is today's
    (오늘 열까지 38도 넘으면 병원 가야겠죠?): not negated, and said of now."""
    after = _compact(clause.text[end:])[: rules.negation_window]
    return (
        _any(rules.now_markers, clause)
        and _found(rules.conditional.ko_any, after, anchored=True)
        and not _found(rules.negation.ko_any, after)
    )


def _bare_degrees(value: float) -> bool:
    """A whole number that can be a body temperature without a unit: 35-42 °C, 95-108 °F."""
    return 35 <= value <= 42 or 95 <= value <= 108


_PAIN_SCORE = re.compile(
    # 7점, 7/10, 7 out of 10, and the score after the scale: 10점 만점에 8 (not the 10 itself)
    r"(?<![\d.])(\d{1,2})\s*(?:점(?!\s*만점)|/\s*10\b|out of 10)|만점에\s*(\d{1,2})(?![\d.])"
)

# 통증이 3에서 7로, 넷에서 일곱으로 (numbers in words are digits by now)
_PAIN_KO_FROM_TO = re.compile(
    r"(?:통증|아파|아픈|아프|pain|저림|점수)[가-힣 ]{0,12}?(?<![\d.])(\d{1,2})\s?(?:점)?\s?에서\s?"
    r"(\d{1,2})\s?(?:점)?\s?(?:으로|로|까지)"
)
# a pain word, then "from 2 to 6" (not "from 9 to 5" said of anything else)
_PAIN_FROM_TO = re.compile(
    r"\b(?:pain|sciatica|ache|score|hurts?|hurting)\b[a-z' ]{0,20}?"
    r"\bfrom (\d{1,2}) (?:to|up to) (\d{1,2})\b"
)


def _scores_fall(message: Clause) -> bool:
    """Whether the pain scores of the message fall by 3 or more, first to last (수술 전
    8점 → 지금 2점), with no score rising on the way."""
    scores = [int(m.group(1) or m.group(2)) for m in _PAIN_SCORE.finditer(message.text)]
    scores = [value for value in scores if value <= 10]
    return (
        len(scores) >= 2
        and scores[0] - scores[-1] >= 3
        and all(b <= a for a, b in pairwise(scores))
    )


# a score in a condition (if my pain goes from 2 to 5, 3점에서 6점 되면)
_SCORE_CONDITION = re.compile(r"\bif\b|\bwhen\b|\bshould\b|(?:되|오르|올라가|넘)(?:으)?면")


def _pain_scores(message: Clause, rules: FreeTextRules) -> Iterable[_Finding]:
    """Pain scores written in one message: the last up ``rise`` or more on the first."""
    settings = rules.pain_score
    if settings is None:
        return
    scores = [(m, int(m.group(1) or m.group(2))) for m in _PAIN_SCORE.finditer(message.text)]
    if len(scores) < 2:
        # "leg pain went from 2 to 6": the scale not written
        for match in (
            *_PAIN_FROM_TO.finditer(message.text),
            *_PAIN_KO_FROM_TO.finditer(message.text),
        ):
            scores = [(match, int(match.group(1))), (match, int(match.group(2)))]
    scores = [(m, value) for m, value in scores if value <= 10]
    if len(scores) < 2 or scores[-1][1] - scores[0][1] < settings.rise:
        return
    stop = _CLAUSE_END.search(message.text, scores[-1][0].end())
    if _SCORE_CONDITION.search(
        message.text[: stop.start() if stop else None], scores[0][0].start() - 40
    ):
        return  # a rise asked about, not reported
    back = _any(settings.back_words, message)
    family = rules.family(settings.back_family if back else settings.leg_family)
    first, last = scores[0][0], scores[-1][0]
    yield _Finding(
        family=family.id,
        tier=settings.tier,
        flags=(family.flag,) if family.flag else (),
        evidence=(message.text[first.start() : last.end()],),
        question=family.question,
        order=first.start(),
    )


_KO_HOURS = {
    "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9,
    "열": 10, "열한": 11, "열두": 12,
}  # fmt: skip
# a clock time: 새벽 다섯 시, 오후 2시, 6am, 7 p.m., noon, midnight
_CLOCK = re.compile(
    r"(새벽|아침|오전|낮|점심|오후|저녁|밤)?\s*(\d{1,2}|열한|열두|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)"
    r"\s*시(?!간|쯤부터\s*\d)|\b(\d{1,2})(?::\d\d)?\s*(am|pm|a\.m\.|p\.m\.)|\b(noon|midnight)\b"
    # a nurse's 24-hour clock: since 0700 (now 1600), 1430h
    r"|(?<![\d.:/])([01]\d|2[0-3])[0-5]\d(?:\s?h(?:rs)?)?(?![\d.:/년%])"
)
_URINE = re.compile(
    r"소변|오줌|쉬|화장실|\b(?:pee|peed|urine|wee|weed|water|bladder|loo|toilet|void|voided|voiding)\b"
)
_NONE_SINCE = re.compile(
    r"마지막|\blast\b|이후|아직|못\s?(?:봤|눴|누|보|나)|안\s?(?:나|봤|눴)|소식이?\s?없|\bnothing\b|"
    r"\bnot (?:since|once|a drop)\b|\bhas(?:n'?t| not)\b|\bhave(?:n'?t| not)\b|\bstill\b|"
    r"\bno (?:pee|urine|wee|void)\b|\bsince\b|[가간본눈]\s?지\s?\d"
)
# hours counted by the writer: 화장실 간 지 10시간째, 9시간째예요, for 10 hours, 10 hrs
_HOURS = re.compile(
    r"(?<![\d.])(\d{1,2})\s*(?:시간\s?째|시간\s?동안|시간이\s?(?:지났|넘었|됐)|hours?\b|hrs?\b)"
)


# urine passed at both times (6시에 보고 7시에 또 봤어요, peed at 6am and again at 2pm)
_PASSED_AGAIN = re.compile(r"또|다시|\bagain\b")


def _clock_hour(match: re.Match[str]) -> int:
    """The hour of the day (0-23) of a clock time read by ``_CLOCK``."""
    if match.group(6):
        return int(match.group(6))
    if match.group(5):
        return 12 if match.group(5) == "noon" else 0
    if match.group(3):
        hour = int(match.group(3)) % 12
        return hour + 12 if match.group(4).startswith("p") else hour
    word, part = match.group(2), match.group(1) or ""
    hour = (int(word) if word.isdigit() else _KO_HOURS[word]) % 24
    if (part in ("오후", "저녁", "밤") and hour < 12) or (part in ("낮", "점심") and hour < 6):
        hour += 12
    if part == "밤" and hour == 24:
        hour = 0
    return hour % 24


def _hours_without_urine(message: Clause, rules: FreeTextRules) -> Iterable[_Finding]:
    """No urine between two clock times 6 hours or more apart (새벽 다섯 시에 보고 지금
    오후 두 시인데 아직이에요; last pee 6am, it's 7pm now, nothing; no void since 0700, now
    1600), or for hours the writer counts (화장실 간 지 10시간째): CLINICAL.md row 1, none
    for 6-8 h *(proposed)*. Hours counted on the clock, the last time being now."""
    text = message.text
    times = list(_CLOCK.finditer(text))
    if not _URINE.search(text) or not _NONE_SINCE.search(text):
        return
    if _PASSED_AGAIN.search(text):
        return
    if len(times) >= 2:
        hours = (_clock_hour(times[-1]) - _clock_hour(times[0])) % 24
        span = (times[0].start(), times[-1].end())
    else:
        counted = [(int(m.group(1)), m.span()) for m in _HOURS.finditer(text)]
        hours, span = max(counted, default=(0, (0, 0)))
    if hours < _NO_URINE_HOURS:
        return
    family = rules.family("bladder_bowel")
    yield _Finding(
        family=family.id,
        tier=family.tier,
        flags=(family.flag,) if family.flag else (),
        evidence=(text[span[0] : span[1]],),
        question=family.question,
        order=span[0],
    )


_NO_URINE_HOURS = 6

# muscle strength graded out of 5 (MRC), as a nurse's chart writes it: 좌 5/5 -> 3/5
_STRENGTH = re.compile(r"(?<![\d.])([0-5])\s*/\s*5(?![\d.])")
_STRENGTH_WORD = re.compile(
    r"근력|힘(?!들|든|드)|파워|\b(?:strength|power|mrc|ehl|df|dorsiflexion|pf|foot lift)\b"
)
# a grade said to have fallen or to be new (어제 5/5였던 게 떨어졌어요, 3/5 which is new)
_STRENGTH_FELL = re.compile(r"떨어|약해|줄었|\b(?:new|newly|weaker|dropped|down from|was 5/5)\b")


# strength on the writer's own scale: 10점 만점에 9점, 7점, 4점; 60% of normal; 3/10 of
# what it was; 어제 80이면 오늘 50
_SCALE_CONTEXT = re.compile(
    r"만점|/\s*(?:5|10)(?!\d)|%|퍼센트|percent|out of (?:5|10)\b|of (?:normal|what it was)"
    r"|정상의|평소의"
)
_SCALE_NUMBER = re.compile(
    r"(?<![\d./])(\d{1,3})(?![\d.])(?!\s*(?:점\s*만점|시|분|일|주|번|개|회|살|세|km|kg|cm|m\b"
    r"|ml|h\b|hours?|days?|times?|minutes?|mins?|weeks?|each|raises?|reps?))"
)
_OF_NORMAL = re.compile(
    r"(\d{1,2})\s*%\s*(?:of (?:normal|what it was|usual))|(?:정상|평소)의\s*(\d{1,2})\s*%"
)


def _scaled_strength(text: str) -> re.Match[str] | None:
    """Leg strength on a scale the writer chose that has fallen: a series of numbers whose
    last is under four fifths of the first (10점 만점에 퇴원 때 9점, 어제 7점, 오늘 4점;
    어제 80이면 오늘 50), or a share of normal under four fifths (60% of normal)."""
    if _STRENGTH_BETTER.search(text):
        return None
    of_normal = _OF_NORMAL.search(text)
    if of_normal and int(of_normal.group(1) or of_normal.group(2)) < 80:
        return of_normal
    if not _SCALE_CONTEXT.search(text) and not re.search(r"어제|yesterday|discharge|퇴원", text):
        return None
    numbers = list(_SCALE_NUMBER.finditer(_STRENGTH_DENOMINATOR.sub("", text)))
    if len(numbers) >= 2 and int(numbers[-1].group(1)) < 0.8 * int(numbers[0].group(1)):
        return numbers[0]
    return None


def _low_rating(text: str) -> re.Match[str] | None:
    """One strength rating on a stated scale, under half of it, with no word of a change
    (다리 힘 10점 만점에 0, 2/5, 3 out of 10): asked about, since it may be new weakness."""
    if _STRENGTH_BETTER.search(text):
        return None
    for rating in _LOW_RATING.finditer(text):
        value = rating.group("value") or rating.group("value2")
        scale = rating.group("scale") or rating.group("scale2")
        if int(value) * 2 < int(scale):
            return rating
    return None


_LOW_RATING = re.compile(
    r"(?<![\d.])(?:(?P<scale>5|10)\s*점\s*만점에\s*(?P<value>\d{1,2})(?![\d.])"
    r"|(?P<value2>\d{1,2})\s*(?:/|out of)\s*(?P<scale2>5|10)(?![\d.]))"
)


_STRENGTH_BETTER = re.compile(r"좋아|나아|회복|늘었|\b(?:better|improv\w*|stronger|back to)\b")
_STRENGTH_DENOMINATOR = re.compile(r"\d+\s*점\s*만점에?|/\s*(?:5|10)(?!\d)")


def _strength_scores(message: Clause, rules: FreeTextRules) -> Iterable[_Finding]:
    """Leg strength graded out of 5 falling within the message (좌 5/5 → 3/5), or a grade
    under 5 said to have fallen or to be new (DF 3/5, 어제는 5/5였는데 떨어졌어요; L EHL 3/5
    which is new): new or progressing weakness, CLINICAL.md row 2."""
    text = message.text
    if not _STRENGTH_WORD.search(text):
        return
    grades = list(_STRENGTH.finditer(text))
    values = [int(g.group(1)) for g in grades]
    falling = len(grades) >= 2 and values[-1] < values[0]
    said_to_fall = bool(grades) and min(values) < 5 and bool(_STRENGTH_FELL.search(text))
    if not (falling or said_to_fall):
        scaled = _scaled_strength(text)
        if scaled is None:
            low = _low_rating(text)
            if low is not None:  # low, but no word of before: is it new? (CLINICAL.md row 2)
                family = rules.family("weakness")
                yield _Finding(
                    "weakness_rating", Tier.ASK, (), (low.group(0),), family.question, low.start()
                )
            return
        grades = [scaled]
    family = rules.family("weakness")
    yield _Finding(
        family=family.id,
        tier=family.tier,
        flags=(family.flag,) if family.flag else (),
        evidence=(text[grades[0].start() : grades[-1].end()],),
        question=family.question,
        order=grades[0].start(),
    )


# a headache scored sitting or standing, then lying (앉으면 7점 누워도 6점, 7/10 sitting
# and 6/10 lying down)
_POSITIONAL_SCORE = re.compile(
    r"(?:앉으면|앉아서|앉아\s?있으면|앉을\s?때|서면|서\s?있으면|일어나면|\b(?:sitting|standing|"
    r"upright|up)\b)[^\d]{0,6}?(?<![\d.])(\d{1,2})\s*(?:점|/\s*10|out of 10)?"
    r"[^\d]{0,14}?(?:누우면|누워도|누워서|누워\s?있으면|누웠을\s?때|누울\s?때|\b(?:lying|laying|"
    r"flat|in bed)\b)[^\d]{0,8}?(?<![\d.])(\d{1,2})(?![\d.])"
)


def _positional_scores(message: Clause, rules: FreeTextRules) -> Iterable[_Finding]:
    """A headache scored upright and lying down that lying down eases by less than 3 points
    (두통이 앉으면 7점 누워도 6점): not eased lying down, the marker ``lying_no_relief``
    that the combinations read with the headache (CLINICAL.md row 6)."""
    for match in _POSITIONAL_SCORE.finditer(message.text):
        upright, lying = int(match.group(1)), int(match.group(2))
        if upright <= 10 and lying <= 10 and lying >= 4 and upright - lying < 3:
            yield _Finding(
                "lying_no_relief", Tier.GREEN, (), (match.group(0),), None, match.start()
            )
            return


# a feeling or strength given as a share of normal (round 6): 30% feeling, 3/10 of what it
# was, half the strength, 감각이 반대쪽의 절반, 반만 느껴져요, 힘이 평소의 40%
_SHARE_PERCENT = re.compile(
    r"(?<![\d.])(\d{1,3})\s*%\s*(?:of (?:normal|what it was|usual|before|the other side)|"
    r"(?:feeling|sensation|strength|power|feel)\b)"
    r"|\b(?:feeling|sensation|strength|power)\b[a-z ]{0,24}?(?<![\d.])(\d{1,3})\s*%"
    r"|(?:감각|느낌|힘|근력)(?:이|가|은|는|도)?[가-힣 ]{0,10}?(?<![\d.])(\d{1,3})\s?(?:%|퍼센트)"
)
_SHARE_TENTHS = re.compile(
    r"(?<![\d.])(\d{1,2})\s*/\s*10\s*of (?:normal|what it was|usual|before|the other side)"
)
_SHARE_HALF = re.compile(
    r"\bhalf (?:the |as much |of (?:the |my )?)?(?:feeling|sensation|strength|power)\b"
    r"|\b(?:feeling|sensation|strength|power)\b[a-z ]{0,15}?\bhalf\b"
    r"|(?:감각|느낌|힘|근력)(?:이|가|은|는|도)?[가-힣 ]{0,10}?(?:절반|반만|반\s?정도|반밖에)"
    r"|반만\s?느껴"
)
_SHARE_BETTER = re.compile(
    r"좋아|나아|회복|늘었|돌아오|돌아왔|돌아와|\b(?:better|improv\w*|stronger|back to|back up|"
    r"came back|coming back|returned|recover\w*)\b"
)
_SADDLE_CONTEXT = re.compile(
    r"엉덩이|궁둥이|항문|회음|사타구니|생식기|(?<![가-힣])밑|닦|뒤처리|\b(?:wip(?:e|es|ing)|bottom|bum|"
    r"buttocks?|saddle|groin|crotch|privates|back passage|between (?:my|the) legs)\b"
)
_LEG_STRENGTH_CONTEXT = re.compile(
    r"힘|근력|다리|발|까치발|\b(?:strength|power|foot|feet|leg|legs|lift|push|toes?|ankle|heel)\b"
)


def _reduced_shares(message: Clause, rules: FreeTextRules) -> Iterable[_Finding]:
    """A feeling or strength told as a share of normal under four fifths (30% feeling when
    I wipe, my foot lift is 3/10 of what it was, 엉덩이 감각이 반대쪽의 절반): a sign of the
    saddle (CLINICAL.md row 1) when the message names it, else of leg strength (row 2);
    not when the share is said to be coming back."""
    text = message.text
    if _SHARE_BETTER.search(text):
        return
    share: tuple[int, re.Match[str]] | None = None
    if (match := _SHARE_PERCENT.search(text)) is not None:
        share = (int(next(g for g in match.groups() if g)), match)
    elif (match := _SHARE_TENTHS.search(text)) is not None:
        share = (10 * int(match.group(1)), match)
    elif (match := _SHARE_HALF.search(text)) is not None:
        share = (50, match)
    if share is None or share[0] >= 80:
        return
    match = share[1]
    if _SADDLE_CONTEXT.search(text):
        family = rules.family("bladder_bowel")
    elif _LEG_STRENGTH_CONTEXT.search(text):
        family = rules.family("weakness")
    else:
        return
    yield _Finding(
        family.id,
        family.tier,
        (family.flag,) if family.flag else (),
        (match.group(0),),
        family.question,
        match.start(),
    )


# an exercise counted on each side (round 6): 2 heel raises on the left, 15 on the right;
# 까치발 왼쪽 3개 오른쪽 20개
_SIDE_COUNT = re.compile(
    r"(?<![\d.])(\d{1,3})\s*(?:heel raises?|toe raises?|calf raises?|reps?|times|개|번|회)?\s*"
    r"(?:on the |on my |with the |with my )?(left|right|왼쪽|오른쪽|왼발|오른발)"
    r"|(left|right|왼쪽|오른쪽|왼발|오른발)(?: side| leg| foot)?(?:은|는|이|가|으로|로)?[:\s]*"
    r"(?<![\d.])(\d{1,3})(?![\d.])"
)
_EXERCISE = re.compile(
    r"까치발|뒤꿈치|발끝|발뒤꿈치|\b(?:heel|toe|calf) raises?\b|\b(?:reps?|squats?|"
    r"stand(?:ing)? on (?:my )?(?:toes|tiptoe|heels))\b"
)
# the sides were even before: 15 each, both, 어제는 양쪽 다
_EVEN_BEFORE = re.compile(
    r"\beach\b|\bboth\b|\bwas\b|\byesterday\b|\bbefore\b|\blast week\b"
    r"|양쪽|둘\s?다|똑같|어제|전에|지난"
)


def _side_counts(message: Clause, rules: FreeTextRules) -> Iterable[_Finding]:
    """An exercise counted on each side, one side under half the other (2 heel raises on
    the left, 15 on the right): one leg weaker; new weakness (CLINICAL.md row 2) when the
    message says the sides were even before, else asked about."""
    text = message.text
    if not _EXERCISE.search(text):
        return
    sides: dict[str, int] = {}
    first: re.Match[str] | None = None
    for match in _SIDE_COUNT.finditer(text):
        count = int(match.group(1) or match.group(4))
        side = (match.group(2) or match.group(3))[0:1]
        side = "l" if side in ("l", "왼") else "r"
        sides.setdefault(side, count)
        first = first or match
    if len(sides) < 2 or first is None or 2 * min(sides.values()) >= max(sides.values()):
        return
    family = rules.family("weakness")
    even_before = _EVEN_BEFORE.search(text) is not None and not _STRENGTH_BETTER.search(text)
    yield _Finding(
        family.id if even_before else "weakness_rating",
        family.tier if even_before else Tier.ASK,
        (family.flag,) if family.flag and even_before else (),
        (first.group(0),),
        family.question,
        first.start(),
    )


def _combinations(findings: list[_Finding], rules: FreeTextRules) -> Iterable[_Finding]:
    by_family: dict[str, list[_Finding]] = {}
    for finding in findings:
        by_family.setdefault(finding.family, []).append(finding)
    for combination in rules.combinations:
        members: list[_Finding] = []
        for alternatives in combination.all_of:
            # a sign its modifiers made green (weakness from before surgery, improving) does
            # not make a combination; markers whose own tier is green (leg_word) still do
            found = [
                f
                for name in alternatives
                for f in by_family.get(name, ())
                if f.tier is not Tier.GREEN or _marker(name, rules)
            ]
            if not found:
                break
            members.extend(found)
        else:
            yield _Finding(
                family=combination.id,
                tier=combination.tier,
                flags=combination.flags,
                evidence=tuple(e for member in members for e in member.evidence),
                question=combination.question,
                order=min(member.order for member in members),
            )


def _marker(name: str, rules: FreeTextRules) -> bool:
    """A family that is green by itself: a marker read only in combinations."""
    try:
        return rules.family(name).tier is Tier.GREEN
    except KeyError:
        return True


def _result(findings: list[_Finding], rules: FreeTextRules) -> TriageResult:
    tier = highest(f.tier for f in findings)
    if tier is Tier.GREEN:
        return TriageResult(Tier.GREEN, (), (), None)
    counted = sorted((f for f in findings if f.tier is not Tier.GREEN), key=lambda f: f.order)
    flags = tuple(sorted({flag for f in counted for flag in f.flags}))
    evidence = tuple(dict.fromkeys(e for f in counted for e in f.evidence if e))
    question = None
    if tier in (Tier.ASK, Tier.RED):
        top = [f for f in counted if f.tier is tier]
        # a combination explains more than its parts: prefer its question
        top.sort(key=lambda f: (len(f.evidence) == 1, f.order))
        question = next((f.question for f in top if f.question), rules.default_question)
    return TriageResult(tier, flags, evidence, question)


def _with_order(finding: _Finding, clause_number: int) -> _Finding:
    return _Finding(
        finding.family,
        finding.tier,
        finding.flags,
        finding.evidence,
        finding.question,
        clause_number * 10_000 + finding.order,
    )


def _message_look_alikes(text: str, rules: FreeTextRules) -> list[tuple[int, int]]:
    """Spans of look-alikes that may run over clauses (드라마 보다가 / 가슴이 아파서 / 울었어요)."""
    patterns = (*rules.look_alikes_message.ko, *rules.look_alikes_message.en)
    return [m.span() for pattern in patterns for m in pattern.finditer(text) if m.end() > m.start()]


def _spans_in(spans: list[tuple[int, int]], offset: int, length: int) -> list[tuple[int, int]]:
    """``spans`` of the message as positions in the clause that starts at ``offset``."""
    if offset < 0:
        return []
    return [
        (max(start - offset, 0), min(end - offset, length))
        for start, end in spans
        if start < offset + length and end > offset
    ]


def _masked(clause: Clause, rules: FreeTextRules, spans: Iterable[tuple[int, int]] = ()) -> Clause:
    """The clause with look-alikes (열심히, 열 시, 마음의 상처...) blotted out.

    Look-alikes are matched on the spaced text (a space may be written into a pattern
    as `` ?``): in the spacing-free view 수술 전 열이 would read as 전열 and hide a fever.
    ``spans`` are the parts of the clause covered by a message-scope look-alike.
    """
    text = clause.text
    for start, end in spans:
        blotted = "".join(c if c == " " else _MASK for c in text[start:end])
        text = text[:start] + blotted + text[end:]
    for pattern in (
        *rules.look_alikes.ko,
        *rules.look_alikes.en,
        *rules.reassurance.ko,
        *rules.reassurance.en,
    ):
        text = pattern.sub(lambda m: "".join(c if c == " " else _MASK for c in m.group(0)), text)
    compact = "".join(text[i] for i in clause.index)
    return Clause(text, compact, clause.index, clause.is_question)


def _found(pattern: re.Pattern[str] | None, text: str, *, anchored: bool = False) -> bool:
    """Whether ``pattern`` (a set's alternation, None when empty) matches ``text``: anywhere,
    or at its start when ``anchored``."""
    if pattern is None:
        return False
    return bool(pattern.match(text) if anchored else pattern.search(text))


def _any(patterns: PatternSet, clause: Clause) -> bool:
    ko, en = patterns.ko_any, patterns.en_any
    return bool(ko and ko.search(clause.compact)) or bool(en and en.search(clause.text))


def _quotes(patterns: PatternSet, clause: Clause) -> tuple[str, ...]:
    quotes = [
        clause.quote(m.start(), m.end()) for p in patterns.ko for m in p.finditer(clause.compact)
    ]
    quotes += [m.group(0) for p in patterns.en for m in p.finditer(clause.text)]
    return tuple(quotes)


def _compact(text: str) -> str:
    return "".join(text.split())
