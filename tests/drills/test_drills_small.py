"""The input drills, small (the same code runs at full size in `make bench`)."""

from __future__ import annotations

from tests.drills import scenarios
from tests.e2e.conftest import Harness

FUZZ_INPUTS = 40  # every shape; each patient text also posts a card, so keep it small here


async def test_fuzz_raises_nothing_and_loses_no_text(harness: Harness) -> None:
    figures = await scenarios.fuzz(harness, FUZZ_INPUTS)
    scenarios.report("fuzz", figures)
    assert figures["tracebacks"] == 0
    assert figures["lost"] == 0 and figures["duplicates"] == 0
    assert len(figures["shapes"]) == 7
    assert figures["in the group"] == figures["items"] > 0  # every item is in some card


async def test_duplicate_updates_are_handled_once(harness: Harness) -> None:
    figures = await scenarios.duplicates(harness, 10)
    scenarios.report("duplicates", figures)
    assert (figures["tracebacks"], figures["lost"], figures["duplicates"]) == (0, 0, 0)
    assert figures["replies"] == 10


async def test_an_outage_loses_nothing(harness: Harness) -> None:
    figures = await scenarios.outage(harness, 10)
    scenarios.report("outage", figures)
    assert (figures["tracebacks"], figures["lost"], figures["duplicates"]) == (0, 0, 0)
    assert figures["told received"] == figures["replayed"] == 10


async def test_a_stranger_flood_is_refused_privately(harness: Harness) -> None:
    figures = await scenarios.stranger_flood(harness, 40)
    scenarios.report("stranger flood", figures)
    assert figures["refusals posted in the group"] == 0
    assert figures["answered privately"] == 40
    assert figures["red advice asked nothing"]
    assert figures["tracebacks"] == 0
