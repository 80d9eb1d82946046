"""Office hours (SPINECARE_OFFICE_HOURS) and the clinic's answers to common questions."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from care.domain.errors import InvalidInput
from care.domain.faq import load_faq
from care.domain.office_hours import parse

SEOUL_FRIDAY_8AM = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)  # Fri 20 Nov, 08:00 in Seoul


def test_the_default_is_weekdays_nine_to_six_in_the_clinics_zone() -> None:
    hours = parse("mon-fri 09:00-18:00")
    assert hours.days == frozenset(range(5)) and hours.weekdays_only()
    assert (hours.start, hours.end) == (time(9), time(18))
    assert not hours.is_open(SEOUL_FRIDAY_8AM)
    assert hours.opening(SEOUL_FRIDAY_8AM).isoformat() == "2026-11-20T09:00:00+09:00"
    friday_evening = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 19:00 in Seoul
    assert hours.opening(friday_evening).isoformat() == "2026-11-23T09:00:00+09:00"  # Monday


def test_days_may_be_listed_and_ranged() -> None:
    hours = parse("mon,wed,fri-sat 8:30-13:00")
    assert hours.days == frozenset({0, 2, 4, 5}) and hours.start == time(8, 30)


@pytest.mark.parametrize(
    "value", ["weekdays", "mon-fri 18:00-09:00", "fri-mon 09:00-18:00", "xyz 09:00-10:00", ""]
)
def test_office_hours_that_make_no_sense_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse(value)


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("When can I take a shower and drive again?", ["shower", "drive"]),
        ("샤워는 언제부터 해도 되나요?", ["shower"]),
        ("다음 외래 예약은 언제예요?", ["Follow-up"]),
        ("Can I visit my mum?", []),  # "sit" inside "visit" is not sitting
        ("I walked for 20 minutes today", []),  # no question: nothing to answer
        ("다리에 힘이 빠져요", []),
    ],
)
def test_a_question_the_clinic_has_answered_gets_its_answer(text: str, topics: list[str]) -> None:
    answers = load_faq().answers(text, "en")
    assert len(answers) == len(topics)
    for answer, topic in zip(answers, topics, strict=True):
        assert topic in answer


def test_every_answer_is_in_both_languages_with_a_clinical_source() -> None:
    for entry in load_faq().entries:
        assert entry.answers["ko"] and entry.answers["en"]
        assert entry.source.startswith("CLINICAL.md")
