"""The care team's notice of an alert always fits in one Telegram message."""

from __future__ import annotations

from datetime import UTC, datetime

from care.models import Alert, AlertState
from messages.catalog import load_catalog
from scheduler.render import TELEGRAM_TEXT_LIMIT, render_alert

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def alert_with(reasons: list[str]) -> Alert:
    return Alert(
        id=7,
        patient_id=1,
        severity="red",
        source="free_text",
        flags=[1, 2],
        reasons=reasons,
        state=AlertState.OPEN,
        created_at=NOW,
    )


def render(alert: Alert) -> str:
    message = render_alert(
        alert,
        load_catalog(),
        language="ko",
        chat_id=-1,
        patient_code="PX-7Q2K",
        post_op_day=4,
        approach="transforaminal",
        level=1,
        now=NOW,
    )
    return message.text


def test_a_short_alert_is_posted_whole() -> None:
    text = render(alert_with(["free_text:red", "said:열이 나요"]))
    assert "PX-7Q2K" in text and "said:열이 나요" in text and not text.endswith("…")


def test_a_long_alert_is_cut_at_the_end_and_keeps_the_patient_code() -> None:
    reasons = [f"said:열이 나요 {n}" for n in range(1_000)]

    text = render(alert_with(reasons))

    assert len(text) == TELEGRAM_TEXT_LIMIT
    assert text.endswith("…")
    assert text.splitlines()[0].count("PX-7Q2K") == 1
