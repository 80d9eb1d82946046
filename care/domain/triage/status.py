"""Whether a match is present, unsure, negated or hypothetical in its clause
(``match_status``), and the context of the message that decides it."""

from __future__ import annotations

import re
from contextvars import ContextVar

from care.domain.triage.findings import any_of, compact, found
from care.domain.triage.korean import Clause
from care.domain.triage.rules import FreeTextRules

# whether the message says the patient has it now (started today, it's been hours): a
# question frame about a sign (is it normal that...) is then a report, asked about
NOW: ContextVar[bool] = ContextVar("now", default=False)
# whether the clause being read belongs to a sentence that asks a question: a condition
# set earlier in the clause (열이 나면 해열제 먹고 ... 되나요?) makes what follows hypothetical
ASKING: ContextVar[bool] = ContextVar("asking", default=False)
# whether the question being read is rhetorical: it carries a report
# (see ``free_text._rhetorical``)
RHETORICAL: ContextVar[bool] = ContextVar("rhetorical", default=False)

_KO_CONDITION_BEFORE = re.compile(r"[가-힣](?<!측)(?<!표)(?<!화)(?<!정)(?<!이)면 ")
# a negative question's auxiliary at its start: isn't, doesn't, aren't, don't
_NEGATIVE_QUESTION = re.compile(r"^\s*(?:isn'?t|aren'?t|doesn'?t|don'?t|wasn'?t|won'?t)\b")
# 안 written joined to a sign that does not hold it (지금은 안끌려요): not dragging now
_KO_NOT_JOINED = re.compile(r"(?:^|\s)안$")


def match_status(
    clause: Clause, start: int, end: int, *, sign: bool, rules: FreeTextRules
) -> str | None:
    """present | unsure | negated_unsure, or None when negated or hypothetical."""
    text = clause.text
    after = compact(text[end:])[: rules.negation_window]
    ko_region = after if sign else compact(text[start:end]) + after
    before = text[:start]
    if RHETORICAL.get():
        # isn't coughing up blood a bad sign?: the question's own auxiliary negates nothing
        before = _NEGATIVE_QUESTION.sub("", before, count=1)
    negated = (
        _KO_NOT_JOINED.search(text[:start]) is not None
        or found(rules.negation.ko_any, ko_region)
        or found(rules.negation.en_any, before)
        or found(rules.negation_after_en.en_any, text[end:], anchored=True)
    )
    hedged = any_of(rules.hedge, clause)
    if negated:
        # a negation of a sign whose own negation is the sign (감각이 없는 건 아니에요, it
        # isn't that I can't feel) cancels it: look for a doubled negation after the sign
        # only; before an English match (I can't say it's not swollen) and over a plain
        # Korean match and what follows (열이 없지 않아요)
        doubled = found(
            rules.double_negation.ko_any, compact(text[end if sign else start :])
        ) or found(rules.double_negation.en_any, text[: start if sign else end])
        if doubled:
            return "unsure"
        return "negated_unsure" if hedged else None
    if found(rules.conditional.ko_any, after, anchored=True):
        return None
    if ASKING.get() and _KO_CONDITION_BEFORE.search(text[:start]):
        return None
    if found(rules.conditional.en_any, before):
        # "is it normal that I can't feel when I pee? it started today": a report
        return "unsure" if NOW.get() and (clause.is_question or "?" in text) else None
    if clause.is_question and RHETORICAL.get():
        return "present"
    if clause.is_question:
        general = any_of(rules.hypothetical_question, clause)
        return None if general and not any_of(rules.present_markers, clause) else "unsure"
    return "unsure" if hedged else "present"
