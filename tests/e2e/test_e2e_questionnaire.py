"""A clinic's licensed questionnaire (the hook): asked at the end of the listed days' check-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.storage.models import CheckIn, CheckInAnswer
from care.views import exports
from spinecare import commands
from tests.coordinator.console_flows import NURSE, nurse, say
from tests.e2e.conftest import Harness, running_harness
from tests.e2e.flows import register
from tests.e2e.test_e2e_checkin import CALM, USER, answer_all, start_checkin

EXAMPLE = Path(__file__).resolve().parents[2] / "messages" / "questionnaire.example.yaml"


@pytest.fixture
async def clinic(database_url: str, clock: FakeClock) -> AsyncIterator[Harness]:
    """The service with the example questionnaire configured (days 42 and 84)."""
    settings = {"coordinator_ids": [NURSE], "questionnaire_file": EXAMPLE}
    async with running_harness(database_url, clock, **settings) as harness:
        yield harness


async def answers_of_latest(harness: Harness) -> dict[str, str]:
    async with harness.running.db.session() as session:
        latest = await session.scalar(select(CheckIn).order_by(CheckIn.id.desc()).limit(1))
        assert latest is not None
        rows = await session.scalars(
            select(CheckInAnswer).where(CheckInAnswer.checkin_id == latest.id)
        )
        return {row.question: row.answer for row in rows}


async def test_the_items_follow_the_check_in_of_a_listed_day_and_are_scored(
    clinic: Harness,
) -> None:
    code = await register(clinic, USER, language="en")  # surgery 2026-11-20, today day 0

    clinic.clock.advance(timedelta(days=41))
    done = await answer_all(clinic, await start_checkin(clinic), CALM)  # no item on day 41
    assert "Thank you" in done["text"]

    clinic.clock.advance(timedelta(days=1))
    first = await start_checkin(clinic)
    item = await answer_all(clinic, first, CALM, stop_at="demo1")
    assert "Example item 1" in item["text"]
    done = await answer_all(clinic, item, {**CALM, "demo1": "1", "demo2": "3"})
    assert "Thank you" in done["text"]
    answers = await answers_of_latest(clinic)
    assert (answers["demo1"], answers["demo2"], answers["note"]) == ("1", "3", "none")

    summary = await commands.patient_show(clinic.settings, code)
    [result] = summary["questionnaires"]
    assert (result["id"], result["post_op_day"], result["answered"]) == ("demo", 42, 2)
    assert result["score"] == pytest.approx(66.7)  # (1 + 3) / (3 + 3) x 100

    async with clinic.running.db.session() as session:
        table = await exports.export(
            session, "checkins", now=clinic.clock.now(), questionnaire=clinic.settings.questionnaire
        )
    assert table.columns[-4:] == ("demo1", "demo2", "note", "demo_score")
    assert [(row["demo1"], row["demo_score"]) for row in table.rows] == [(None, None), ("1", 66.7)]

    await nurse(clinic)
    view = await say(clinic, NURSE, f"/patient {code}", code)
    assert "생활 불편 설문(예시), 42일째: 66.7점" in view["text"]
