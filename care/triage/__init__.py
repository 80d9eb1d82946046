"""Triage: the free-text warning-sign classifier and the check-in assessment (pure, data)."""

from care.triage.checkin import (
    Assessment,
    Option,
    Question,
    assess_checkin,
    checkin_questions,
    next_question,
)
from care.triage.free_text import TriageResult, classify
from care.triage.tiers import Tier

__all__ = [
    "Assessment",
    "Option",
    "Question",
    "Tier",
    "TriageResult",
    "assess_checkin",
    "checkin_questions",
    "classify",
    "next_question",
]
