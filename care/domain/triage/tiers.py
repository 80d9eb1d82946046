"""Urgency tiers (CLINICAL.md, "Urgency tiers") and their order of severity."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Tier(StrEnum):
    """How urgently someone must act on what a patient reported.

    ``ask`` exists only for free text: the classifier is unsure and the bot asks a
    structured follow-up question; silence after it goes to a human.
    """

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    ASK = "ask"

    @property
    def rank(self) -> int:
        """Severity for combining findings: green < ask < amber < red."""
        return _RANK[self]


_RANK = {Tier.GREEN: 0, Tier.ASK: 1, Tier.AMBER: 2, Tier.RED: 3}


def highest(tiers: Iterable[Tier]) -> Tier:
    """The most severe of ``tiers`` (green when there are none)."""
    return max(tiers, key=lambda tier: tier.rank, default=Tier.GREEN)
