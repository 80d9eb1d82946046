"""Triage: the free-text warning-sign classifier and the check-in assessment (pure, data)."""

from care.domain.triage.checkin import (
    Assessment,
    Option,
    Question,
    assess_checkin,
    checkin_questions,
    next_question,
)
from care.domain.triage.free_text import TriageResult, classify
from care.domain.triage.tiers import Tier

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
