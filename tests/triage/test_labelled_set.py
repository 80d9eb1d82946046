"""The classifier against the labelled patient messages in labelled_messages.yaml.

Counted:
* red recall = red-labelled messages classified red / red-labelled messages (must be 100%);
  we also check that none of them is ever classified green.
* false-alarm rate = green-labelled messages (benign, negated, questions, look-alikes)
  classified red or amber / green-labelled messages (must be at most 10%). An "ask" on
  a green message is a follow-up question, not an alarm, and is reported separately.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from care.triage import Tier, classify

LABELLED = Path(__file__).with_name("labelled_messages.yaml")
TIERS = {tier.value for tier in Tier}
KINDS = {
    "red", "amber", "green", "ask", "negated", "misspelled", "spacing", "mixed",
    "caregiver", "question", "lookalike", "past", "hedge",
}  # fmt: skip


def _messages() -> list[dict[str, Any]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["messages"])


MESSAGES = _messages()


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print past pytest's capture so the figures show in every run, with or without -s."""
    with capsys.disabled():
        print(line)


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
    red = [m for m in MESSAGES if m["tier"] == "red"]
    green = [m for m in MESSAGES if m["tier"] == "green"]
    red_results = [(m, classify(m["text"])) for m in red]
    missed = [(m["text"], r.tier.value) for m, r in red_results if r.tier is not Tier.RED]
    silent = [m["text"] for m, r in red_results if r.tier is Tier.GREEN]
    green_results = [(m, classify(m["text"])) for m in green]
    alarms = [
        (m["text"], r.tier.value) for m, r in green_results if r.tier in (Tier.RED, Tier.AMBER)
    ]
    asks = [m["text"] for m, r in green_results if r.tier is Tier.ASK]
    recall = 1 - len(missed) / len(red)
    false_alarm_rate = len(alarms) / len(green)
    exact = sum(classify(m["text"]).tier.value == m["tier"] for m in MESSAGES) / len(MESSAGES)
    _report(
        capsys,
        f"\n[triage] {len(MESSAGES)} labelled messages: red recall {recall:.1%} "
        f"({len(red) - len(missed)}/{len(red)}, classified green: {len(silent)}); "
        f"false alarms on green-labelled {false_alarm_rate:.1%} ({len(alarms)}/{len(green)}; "
        f"asked instead: {len(asks)}); exact tier agreement {exact:.1%}",
    )
    assert not silent, f"red messages classified green: {silent}"
    assert not missed, f"red messages not classified red: {missed}"
    assert false_alarm_rate <= 0.10, f"false alarms: {alarms}"


@pytest.mark.parametrize("message", [m for m in MESSAGES if m["tier"] == "red"], ids=str)
def test_red_messages_name_the_red_flag_rows_they_match(message: dict[str, Any]) -> None:
    result = classify(message["text"])
    assert set(message["flags"]) & set(result.flags), (message["text"], result)
    assert result.evidence
    assert result.question is not None
