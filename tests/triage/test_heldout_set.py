"""The classifier against the held-out messages in heldout_messages.yaml and heldout_batch*.yaml.

The held-out set was written from CLINICAL.md's clinical meaning without looking at the
phrase lists, in batches (``batch:``), each measured before the rules were changed for
it; it guards against rules that only fit labelled_messages.yaml. Batches 1-2 live in
heldout_messages.yaml, later batches in their own files (heldout_batch3.yaml: dialect,
honorific caregivers, very short and long messages, mimetic words, emoji, romanised
Korean, broken English, medical words, numbers written oddly; heldout_batch4.yaml: unspaced
and mistyped Korean, double negatives, questions that are reports, reports after a benign
first sentence, hypotheticals, thanks and schedule questions). Same thresholds as
test_labelled_set.py: every red message red (none green), false alarms (red or amber on a
green-labelled message) at most 10%.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from care.triage import Tier, classify

HELDOUT = Path(__file__).with_name("heldout_messages.yaml")
LABELLED = Path(__file__).with_name("labelled_messages.yaml")
TIERS = {tier.value for tier in Tier}
KINDS = {
    "red", "amber", "green", "ask", "negated", "misspelled", "spacing", "mixed",
    "caregiver", "question", "lookalike", "past", "hedge",
    "dialect", "short", "long", "mimetic", "emoji", "romanised", "broken_english",
    "jargon", "number", "time",
    "double_negation", "benign_first", "hypothetical", "thanks", "schedule",
}  # fmt: skip


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["messages"])


BATCH_FILES = sorted(HELDOUT.parent.glob("heldout_batch*.yaml"))
MESSAGES = [m for path in (HELDOUT, *BATCH_FILES) for m in _load(path)]
BATCHES = sorted({int(m["batch"]) for m in MESSAGES})


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print past pytest's capture so the figures show in every run, with or without -s."""
    with capsys.disabled():
        print(line)


def test_the_heldout_set_is_large_well_formed_and_new() -> None:
    assert len(MESSAGES) >= 200
    texts = [m["text"] for m in MESSAGES]
    assert len(set(texts)) == len(texts), "duplicate messages"
    overlap = set(texts) & {m["text"] for m in _load(LABELLED)}
    assert not overlap, f"held-out messages also in labelled_messages.yaml: {overlap}"
    for message in MESSAGES:
        assert message["tier"] in TIERS, message
        assert message["kind"] in KINDS, message
        if message["tier"] == "red":
            assert message.get("flags"), f"red message without flags: {message['text']}"
    red_rows = {flag for m in MESSAGES if m["tier"] == "red" for flag in m["flags"]}
    assert red_rows >= {1, 2, 3, 5, 6, 7, 10, 11}, red_rows


@pytest.mark.parametrize("batch", [None, *BATCHES], ids=lambda b: f"batch-{b or 'all'}")
def test_every_heldout_red_message_is_red_and_false_alarms_stay_under_ten_percent(
    batch: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = [m for m in MESSAGES if batch is None or m["batch"] == batch]
    red = [m for m in messages if m["tier"] == "red"]
    green = [m for m in messages if m["tier"] == "green"]
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
    exact = sum(classify(m["text"]).tier.value == m["tier"] for m in messages) / len(messages)
    _report(
        capsys,
        f"\n[triage held-out {'all' if batch is None else f'batch {batch}'}] "
        f"{len(messages)} messages: red recall {recall:.1%} "
        f"({len(red) - len(missed)}/{len(red)}, classified green: {len(silent)}); "
        f"false alarms on green-labelled {false_alarm_rate:.1%} ({len(alarms)}/{len(green)}; "
        f"asked instead: {len(asks)}); exact tier agreement {exact:.1%}",
    )
    assert not silent, f"red messages classified green: {silent}"
    assert not missed, f"red messages not classified red: {missed}"
    assert false_alarm_rate <= 0.10, f"false alarms: {alarms}"


@pytest.mark.parametrize("message", [m for m in MESSAGES if m["tier"] == "red"], ids=str)
def test_heldout_red_messages_name_the_red_flag_rows_they_match(message: dict[str, Any]) -> None:
    result = classify(message["text"])
    assert set(message["flags"]) & set(result.flags), (message["text"], result)
    assert result.evidence
    assert result.question is not None
