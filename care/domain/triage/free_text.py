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
from dataclasses import dataclass

from care.domain.triage.findings import CLAUSE_END, Finding, any_of
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
from care.domain.triage.scores import (
    hours_without_urine,
    pain_scores,
    positional_scores,
    reduced_shares,
    scores_fall,
    side_counts,
    strength_scores,
    temperatures,
)
from care.domain.triage.status import ASKING, NOW, RHETORICAL, match_status
from care.domain.triage.tiers import Tier, highest

_MASK = "□"


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
    NOW.set(any_of(rules.now_markers, message))
    ASKING.set(False)
    RHETORICAL.set(False)
    message_modifiers = {
        m.id for m in rules.modifiers if m.scope == "message" and any_of(m.patterns, message)
    }
    findings: list[Finding] = []
    # a bare number (열 재보니까 / 38 나와요) is a temperature only when the message says so
    body_temperature = any_of(rules.temperature.body, message)
    spans = _message_look_alikes(prepared, rules)
    parts = clauses(prepared)
    owners = _owners(parts, message, rules)
    net: list[Finding] = []
    others_spans: list[tuple[int, int]] = []
    in_condition = False
    cursor = 0
    before_surgery = _before_surgery(parts, rules)
    falling_scores = scores_fall(message)
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
        ASKING.set(clause.is_question or _asks_later(parts, clause_number))
        RHETORICAL.set(clause.is_question and _rhetorical(parts, clause_number))
        masked = _masked(clause, rules, _spans_in(spans, offset, len(clause.text)))
        clause_modifiers = message_modifiers | {
            m.id for m in rules.modifiers if m.scope == "clause" and any_of(m.patterns, masked)
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
            for finding in temperatures(clause, masked, rules, body_temperature)
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
            net.append(Finding("unwell", Tier.ASK, (), (unwell,), None, 10**6))
    if not others_spans:
        findings.extend(pain_scores(message, rules))
        findings.extend(hours_without_urine(message, rules))
        findings.extend(strength_scores(message, rules))
        findings.extend(positional_scores(message, rules))
        findings.extend(reduced_shares(message, rules))
        findings.extend(side_counts(message, rules))
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
    if any_of(others.child_writer, message) and any_of(others.grandparent, message):
        return _child_writers_owners(parts, others)
    writer_fine = any_of(others.self_patient, message)
    family_is_other = any_of(others.own_illness, message) or writer_fine
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
    finding: Finding, family: Family, spans: Sequence[tuple[int, int, set[str]]]
) -> Finding:
    """A finding read across clauses, lowered when the clause it starts in is from before
    surgery or improving (수술 전에는 소변 보는 것이 시원치 않아 / 걱정이 많았는데)."""
    modifiers = next((m for start, end, m in spans if start <= finding.order < end), set())
    if not modifiers & {"preexisting", "improving"}:
        return finding
    tier = _tier_with_modifiers(family, modifiers & {"preexisting", "improving"})
    if tier.rank >= finding.tier.rank:
        return finding
    return Finding(
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
            not any_of(preexisting.patterns, clause)
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
                if end > start and match_status(clause, start, end, sign=True, rules=rules):
                    return clause.text[start:end]
    return None


def _safety_net(
    clause: Clause, masked: Clause, modifiers: set[str], rules: FreeTextRules
) -> tuple[Finding | None, list[Finding]]:
    """A body part or function named with a problem word in one clause: ask, never green.

    Also the parts of the body it names with that problem, as markers (``net_neck``) that
    combinations read: a fever with a neck that "won't bend" is red though no family knows
    the words. Not when the clause says it is improving or from before surgery.
    """
    net = rules.safety_net
    if net is None or modifiers & {"improving", "preexisting"}:
        return None, []
    named = [domain for domain in net.domains if any_of(domain.body, masked)]
    problem = None
    if named or any_of(net.body, masked):
        problem = _present(net.problem, masked, rules)
    hit = [domain for domain in net.domains if _present(domain.alone, masked, rules) is not None]
    if problem is not None:
        hit += [domain for domain in named if domain not in hit]
    if problem is None and not hit:
        return None, []
    evidence = (clause.text.strip(),)
    markers = [Finding(domain.marker, Tier.GREEN, (), evidence, None, 0) for domain in hit]
    return Finding("safety_net", Tier.ASK, (), evidence, net.question, 0), markers


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
    if any_of(net.body, following) or any(any_of(d.body, following) for d in net.domains):
        return set()
    return {
        m.id
        for m in rules.modifiers
        if m.id in ("improving", "preexisting") and any_of(m.patterns, following)
    }


def _read_by_a_family(clause: Clause, rules: FreeTextRules) -> bool:
    """Whether some family's words are in the clause (whatever it made of them: a sign
    negated, from before surgery or improving was read, and is not asked about again)."""
    return any(
        any_of(family.sign, clause) or any_of(family.plain, clause)
        for family in rules.families
        if family.flag or family.tier is not Tier.GREEN  # not a marker such as leg_word
    )


def _read_family(
    family: Family, clause: Clause, masked: Clause, modifiers: set[str], rules: FreeTextRules
) -> Finding | None:
    best: Finding | None = None
    for start, end, sign in _matches(family, masked):
        status = match_status(masked, start, end, sign=sign, rules=rules)
        if status is None:
            continue
        tier = _tier_with_modifiers(family, modifiers)
        if status == "unsure":
            tier = Tier.ASK if tier is Tier.AMBER else tier
        elif status == "negated_unsure":
            tier = Tier.ASK if family.tier.rank >= Tier.ASK.rank else Tier.GREEN
        finding = Finding(
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


def _read_across(family: Family, message: Clause, rules: FreeTextRules) -> Finding | None:
    """Patterns that must see the whole message (마려운데 ... 안 나와요 spans two clauses;
    "he needs to go but nothing happens")."""
    for start, end in _across_spans(family, message):
        # a negation after the match counts only up to the end of its own clause
        stop = CLAUSE_END.search(message.text, end)
        scope = whole(message.text[: stop.start() if stop else len(message.text)])
        status = match_status(scope, start, end, sign=True, rules=rules)
        if status is None:
            continue
        tier = family.tier
        if status != "present" and tier is Tier.AMBER:
            tier = Tier.ASK
        flags = (family.flag,) if family.flag else ()
        return Finding(family.id, tier, flags, (message.text[start:end],), family.question, start)
    return None


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
        if not any_of(patterns, clause):
            continue
        for pattern in patterns.ko:
            for match in pattern.finditer(clause.compact):
                if match.end() > match.start():
                    yield clause.index[match.start()], clause.index[match.end() - 1] + 1, sign
        for pattern in patterns.en:
            for match in pattern.finditer(clause.text):
                if match.end() > match.start():
                    yield match.start(), match.end(), sign


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


def _combinations(findings: list[Finding], rules: FreeTextRules) -> Iterable[Finding]:
    by_family: dict[str, list[Finding]] = {}
    for finding in findings:
        by_family.setdefault(finding.family, []).append(finding)
    for combination in rules.combinations:
        members: list[Finding] = []
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
            yield Finding(
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


def _result(findings: list[Finding], rules: FreeTextRules) -> TriageResult:
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


def _with_order(finding: Finding, clause_number: int) -> Finding:
    return Finding(
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
