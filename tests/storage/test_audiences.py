"""Audience parsing: what coordinators type becomes a precise, canonical audience."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from care.domain.errors import InvalidInput
from care.domain.plan import Approach
from care.storage.audiences import Audience, parse_audience, post_op_week


@pytest.mark.parametrize(
    ("typed", "expected", "canonical"),
    [
        ("all", Audience("all"), "all"),
        ("  ALL ", Audience("all"), "all"),
        ("week:1-2", Audience("week", first_week=1, last_week=2), "week:1-2"),
        ("week:3", Audience("week", first_week=3, last_week=3), "week:3"),
        ("Week: 2–4", Audience("week", first_week=2, last_week=4), "week:2-4"),
        (
            "approach:transforaminal",
            Audience("approach", approach=Approach.TRANSFORAMINAL),
            "approach:transforaminal",
        ),
        (
            "approach:Biportal",
            Audience("approach", approach=Approach.BIPORTAL),
            "approach:biportal",
        ),
        ("language:en", Audience("language", language="en"), "language:en"),
        ("language:KO", Audience("language", language="ko"), "language:ko"),
        ("patient:P-7KQ2MX", Audience("patient", patient_code="P-7KQ2MX"), "patient:P-7KQ2MX"),
        ("patient:7kq2mx", Audience("patient", patient_code="P-7KQ2MX"), "patient:P-7KQ2MX"),
    ],
)
def test_an_audience_is_read_into_its_canonical_form(
    typed: str, expected: Audience, canonical: str
) -> None:
    audience = parse_audience(typed)
    assert audience == expected
    assert str(audience) == canonical
    assert parse_audience(str(audience)) == audience


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "everyone",
        "all:yes",
        "week:",
        "week:0",
        "week:2-1",
        "week:1-99",
        "week:one",
        "approach:laser",
        "language:fr",
        "patient:",
        "patient:P-ABC;DROP",
        "patient:P-12345678901234567",
        "status:active",
    ],
)
def test_bad_audiences_are_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_audience(typed)
    assert str(refused.value)


@pytest.mark.parametrize(
    ("surgery", "now", "week"),
    [
        (date(2026, 11, 20), datetime(2026, 11, 19, 12, tzinfo=UTC), None),  # before surgery
        (date(2026, 11, 20), datetime(2026, 11, 20, 3, tzinfo=UTC), 1),  # day 0
        (date(2026, 11, 20), datetime(2026, 11, 26, 12, tzinfo=UTC), 1),  # day 6
        (date(2026, 11, 20), datetime(2026, 11, 27, 3, tzinfo=UTC), 2),  # day 7
        # 23:30 UTC on the 26th is already the 27th (day 7) in Seoul
        (date(2026, 11, 20), datetime(2026, 11, 26, 23, 30, tzinfo=UTC), 2),
    ],
)
def test_post_op_weeks_count_from_the_surgery_day_in_the_patients_zone(
    surgery: date, now: datetime, week: int | None
) -> None:
    assert post_op_week(surgery, "Asia/Seoul", now) == week
