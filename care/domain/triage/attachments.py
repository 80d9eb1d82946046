"""Photos, voice messages and files: the bot reads only words, so it asks about the rest.

A patient may send a photo of the wound or a voice message instead of typing. Nobody in the
chat can see or hear it, so a wordless attachment is never just filed: the caption (if any)
is read like any message, and when it holds no warning sign the patient is asked whether
something is worrying them (tier ``ask``). An unanswered question opens an alert like any
other follow-up (care/storage/followups.py), so a silent wound photo reaches a nurse.
"""

from __future__ import annotations

from care.domain.triage.free_text import TriageResult, classify
from care.domain.triage.tiers import Tier

QUESTION = "triage.ask.attachment"


def stored_text(kind: str, caption: str) -> str:
    """What the inbox keeps for an attachment: its kind in brackets, then the caption."""
    return f"[{kind}] {caption}".strip()


def read_attachment(kind: str, caption: str) -> TriageResult:
    """The caption's own reading when it is not green; otherwise ask what the patient meant."""
    result = classify(caption)
    if result.tier is not Tier.GREEN:
        return result
    return TriageResult(Tier.ASK, (), (f"[{kind}]",), QUESTION)
