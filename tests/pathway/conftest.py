"""Fixtures for the care-pathway tests: the shipped pathway and a small one built from a dict."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from care.domain.pathway import DEFAULT_PATH, Pathway, load_pathway, parse_pathway

EVER_START = datetime(2000, 1, 1, tzinfo=UTC)
EVER_END = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def pathway() -> Pathway:
    return load_pathway()


@pytest.fixture
def shipped_data() -> dict[str, Any]:
    """The shipped YAML as plain data, a fresh copy for each test to change."""
    data: dict[str, Any] = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


@pytest.fixture
def small_pathway() -> Callable[..., Pathway]:
    """A pathway with given slots, a daily check-in and a daily posture reminder (days 0-9)."""

    def build(checkin_slot: str, posture_slot: str, **slots: str) -> Pathway:
        return parse_pathway(
            {
                "version": 1,
                "approaches": ["interlaminar"],
                "last_day": 9,
                "daily_cap": 3,
                "min_gap_minutes": 0,
                "slots": slots,
                "checkins": [{"from_day": 0, "to_day": 9, "slot": checkin_slot}],
                "posture": {
                    "rotations": {"any": ["pathway.posture.floor", "pathway.posture.bed"]},
                    "phases": [
                        {
                            "from_day": 0,
                            "to_day": 9,
                            "reminders": [{"slot": posture_slot, "rotation": "any"}],
                        }
                    ],
                },
                "milestones": [],
            },
            source="small",
        )

    return build
