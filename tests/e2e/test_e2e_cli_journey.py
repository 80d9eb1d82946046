"""The care team's journey with the real command line: enroll, the patient registers, show."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import Harness
from tests.e2e.flows import give_consents, open_link, step
from tests.support.cli import run_async

USER = 8801


async def cli(harness: Harness, *args: str) -> dict[str, Any]:
    """``spinecare ARGS --json`` in-process (tests/support/cli.py): its one JSON object."""
    ran = await run_async(
        *args,
        env={
            "SPINECARE_DATABASE_URL": harness.settings.database_url,
            "SPINECARE_TELEGRAM_TOKEN": None,
        },
    )
    assert ran.exit_code == 0, ran.stderr
    result: dict[str, Any] = json.loads(ran.stdout)
    return result


async def test_enroll_register_and_show_with_the_command_line(harness: Harness) -> None:
    enrolled = await cli(
        harness,
        "enroll",
        "--surgery-date",
        "2026-11-20",
        "--approach",
        "biportal",
        "--level",
        "L5-S1",
        "--language",
        "en",
        "--json",
    )
    assert set(enrolled) >= {"patient_code", "invite_code", "link"}
    assert enrolled["link"].endswith(f"?start={enrolled['invite_code']}")

    shown = await cli(harness, "patient", "show", enrolled["patient_code"], "--json")
    assert shown["status"] == "invited" and shown["upcoming"] == []

    await harness.sandbox.ensure_user(USER, "Pat", language_code="en")
    consent = await open_link(harness, USER, enrolled["invite_code"], "agree")
    asked_language = await give_consents(harness, USER, consent)
    asked_date = await step(harness, USER, asked_language, "1|lang|en", "2026")
    asked_window = await step(harness, USER, asked_date, "1|sdate|yes", "awake")
    await step(harness, USER, asked_window, "1|wake|9-22", "/checkin")

    shown = await cli(harness, "patient", "show", enrolled["patient_code"], "--json")
    assert shown["patient_code"] == enrolled["patient_code"]
    assert shown["status"] == "active"
    assert shown["timezone"] == "Asia/Seoul"
    assert shown["waking_window"] == {"start": "09:00", "end": "22:00"}
    assert shown["upcoming"]
    for item in shown["upcoming"]:
        assert item["kind"] in {"posture", "checkin", "milestone"}
        assert item["due_at"].endswith("Z")
        assert "09:00" <= item["local_time"][11:16] <= "22:00"
    assert [i["due_at"] for i in shown["upcoming"]] == sorted(
        i["due_at"] for i in shown["upcoming"]
    )
