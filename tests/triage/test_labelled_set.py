"""The classifier against the labelled patient messages in labelled_messages.yaml.

Red recall must be 100% and false alarms at most 10%; how they are counted: scoring.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from care.domain.triage import Tier
from tests.triage.scoring import assert_names_its_rows, load, report, score

LABELLED = Path(__file__).with_name("labelled_messages.yaml")
TIERS = {tier.value for tier in Tier}
KINDS = {
    "red", "amber", "green", "ask", "negated", "misspelled", "spacing", "mixed",
    "caregiver", "question", "lookalike", "past", "hedge",
}  # fmt: skip


MESSAGES = load(LABELLED)


def test_the_labelled_set_is_large_varied_and_well_formed() -> None:
    assert len(MESSAGES) >= 180
    texts = [m["text"] for m in MESSAGES]
    assert len(set(texts)) == len(texts), "duplicate messages"
    for message in MESSAGES:
        assert message["tier"] in TIERS, message
        assert message["kind"] in KINDS, message
        if message["tier"] == "red":
            assert message.get("flags"), f"red message without flags: {message['text']}"
    kinds = {m["kind"] for m in MESSAGES}
    assert kinds == KINDS
    assert any(ch.isascii() and ch.isalpha() for m in MESSAGES for ch in m["text"])


def test_every_red_message_is_red_and_no_negated_or_benign_message_raises_an_alarm(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = score(MESSAGES)
    report(capsys, result.line("triage labelled"))
    result.assert_meets_the_bar()


@pytest.mark.parametrize("message", [m for m in MESSAGES if m["tier"] == "red"], ids=str)
def test_red_messages_name_the_red_flag_rows_they_match(message: dict[str, Any]) -> None:
    assert_names_its_rows(message)
