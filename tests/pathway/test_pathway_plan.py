"""The full 12-week plan of the shipped pathway, for each approach (tables, arq's style)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from care.domain.errors import InvalidInput
from care.domain.pathway import Occurrence, Pathway, WakingWindow, occurrences, parse_pathway

APPROACHES = ["interlaminar", "transforaminal", "biportal"]
SEOUL = ZoneInfo("Asia/Seoul")
DEFAULT_WINDOW = WakingWindow(time(8, 0), time(21, 0))
SURGERY = date(2025, 3, 3)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def full_plan(
    pathway: Pathway,
    approach: str,
    *,
    zone: ZoneInfo = SEOUL,
    window: WakingWindow = DEFAULT_WINDOW,
    surgery: date = SURGERY,
) -> list[Occurrence]:
    return occurrences(
        pathway,
        surgery_date=surgery,
        approach=approach,
        zone=zone,
        window=window,
        start=EVER[0],
        end=EVER[1],
    )


def week_of(day: int) -> int:
    """Week 0 is the day of surgery; week 1 is days 1-7; week 12 is days 78-84."""
    return 0 if day == 0 else (day - 1) // 7 + 1


# (week, check-ins, posture reminders, milestones) in the shipped pathway.
# Check-ins: surgery evening; daily days 1-14; every 2-3 days weeks 3-6; weekly weeks 7-12.
# Posture: two a day in weeks 1-2 (the evening one gives way to the check-in), two a day in
# weeks 3-6 (one on check-in days), three a week in weeks 7-12; a milestone takes its slot.
WEEKS = [
    (0, 1, 0, 0),
    (1, 7, 9, 5),  # the warning-sign card on day 1
    (2, 7, 10, 4),  # and on day 14
    (3, 3, 10, 1),
    (4, 3, 10, 1),
    (5, 3, 11, 0),
    (6, 3, 10, 2),
    (7, 1, 3, 0),
    (8, 1, 3, 0),
    (9, 1, 3, 0),
    (10, 1, 3, 1),
    (11, 1, 3, 0),
    (12, 1, 2, 3),  # and at the end
]


@pytest.mark.parametrize("approach", APPROACHES)
@pytest.mark.parametrize(("week", "checkins", "posture", "milestones"), WEEKS)
def test_each_week_of_the_plan_has_the_counts_the_data_describes(
    pathway: Pathway, approach: str, week: int, checkins: int, posture: int, milestones: int
) -> None:
    counts = Counter(o.kind for o in full_plan(pathway, approach) if week_of(o.post_op_day) == week)
    assert (counts["checkin"], counts["posture"], counts["milestone"]) == (
        checkins,
        posture,
        milestones,
    )


@pytest.mark.parametrize("approach", APPROACHES)
def test_the_plan_totals_33_checkins_77_posture_reminders_and_17_milestones(
    pathway: Pathway, approach: str
) -> None:
    counts = Counter(o.kind for o in full_plan(pathway, approach))
    assert counts == {"checkin": 33, "posture": 77, "milestone": 17}


# (days, check-in on each of those days?)
CHECKIN_DAYS = [
    (range(0, 15), True),
    ([16, 18, 21, 23, 25, 28, 30, 32, 35, 37, 39, 42], True),
    ([15, 17, 19, 20, 22, 24, 26, 27, 29, 31, 33, 34, 36, 38, 40, 41], False),
    ([49, 56, 63, 70, 77, 84], True),
    ([43, 44, 45, 46, 47, 48, 50, 62, 71, 83], False),
]


@pytest.mark.parametrize(("days", "expected"), CHECKIN_DAYS)
def test_checkins_fall_on_the_days_the_schedule_names(
    pathway: Pathway, days: list[int], expected: bool
) -> None:
    checkin_days = {
        o.post_op_day for o in full_plan(pathway, "interlaminar") if o.kind == "checkin"
    }
    assert {day: day in checkin_days for day in days} == dict.fromkeys(days, expected)


@pytest.mark.parametrize("approach", APPROACHES)
def test_checkins_in_weeks_three_to_six_are_two_or_three_days_apart(
    pathway: Pathway, approach: str
) -> None:
    days = [o.post_op_day for o in full_plan(pathway, approach) if o.kind == "checkin"]
    gaps = {b - a for a, b in itertools.pairwise(days) if 14 <= a < 42}
    assert gaps == {2, 3}


@pytest.mark.parametrize("approach", APPROACHES)
def test_no_day_has_more_messages_than_the_daily_cap(pathway: Pathway, approach: str) -> None:
    per_day = Counter(o.local_date for o in full_plan(pathway, approach))
    assert max(per_day.values()) == pathway.daily_cap == 3


@pytest.mark.parametrize("approach", APPROACHES)
def test_every_message_is_inside_the_waking_window_at_its_planned_time(
    pathway: Pathway, approach: str
) -> None:
    for o in full_plan(pathway, approach):
        local = o.due_at.astimezone(SEOUL)
        assert DEFAULT_WINDOW.contains(local.time()), o
        assert (local.date(), local.time()) == (o.local_date, o.local_time), o


@pytest.mark.parametrize("approach", APPROACHES)
def test_the_plan_is_sorted_and_its_dedupe_keys_are_unique(pathway: Pathway, approach: str) -> None:
    plan = full_plan(pathway, approach)
    assert [o.due_at for o in plan] == sorted(o.due_at for o in plan)
    assert len({o.dedupe_key for o in plan}) == len(plan)


@pytest.mark.parametrize("approach", APPROACHES)
def test_due_times_are_aware_utc_and_the_zone_is_named(pathway: Pathway, approach: str) -> None:
    for o in full_plan(pathway, approach):
        assert o.due_at.utcoffset() == timedelta(0)
        assert o.zone == "Asia/Seoul"
        assert o.local_date == SURGERY + timedelta(days=o.post_op_day)


@pytest.mark.parametrize("approach", APPROACHES)
@pytest.mark.parametrize(
    "window",
    [DEFAULT_WINDOW, WakingWindow(time(10), time(16)), WakingWindow(time(13), time(14, 30))],
)
def test_consecutive_posture_reminders_never_repeat_the_same_advice(
    pathway: Pathway, approach: str, window: WakingWindow
) -> None:
    advice = [
        o.payload_key for o in full_plan(pathway, approach, window=window) if o.kind == "posture"
    ]
    assert advice
    assert all(a != b for a, b in itertools.pairwise(advice))


def test_posture_reminders_rotate_through_all_ten_pieces_of_advice(pathway: Pathway) -> None:
    advice = {o.payload_key for o in full_plan(pathway, "interlaminar") if o.kind == "posture"}
    assert advice == {
        f"pathway.posture.{name}"
        for name in (
            "keep_curve", "floor", "crossed_legs", "bending", "lumbar_roll",
            "walking", "bed", "position_change", "traps", "table_bed_toilet",
        )
    }  # fmt: skip


@pytest.mark.parametrize("approach", APPROACHES)
def test_the_plan_runs_from_the_surgery_evening_to_day_84_and_no_further(
    pathway: Pathway, approach: str
) -> None:
    plan = full_plan(pathway, approach)
    assert (plan[0].post_op_day, plan[0].kind, plan[0].local_time) == (0, "checkin", time(19))
    assert plan[-1].post_op_day == 84


# (approach, milestone payload keys that differ by approach)
WOUND_TEXTS = [
    ("interlaminar", {"pathway.milestone.wound_dressing", "pathway.milestone.wound_sutures"}),
    ("transforaminal", {"pathway.milestone.wound_dressing", "pathway.milestone.wound_sutures"}),
    (
        "biportal",
        {"pathway.milestone.wound_dressing_biportal", "pathway.milestone.wound_sutures_biportal"},
    ),
]


@pytest.mark.parametrize(("approach", "expected"), WOUND_TEXTS)
def test_biportal_patients_hear_about_their_two_wounds(
    pathway: Pathway, approach: str, expected: set[str]
) -> None:
    wound = {
        o.payload_key
        for o in full_plan(pathway, approach)
        if o.kind == "milestone" and ".wound_" in o.payload_key
    }
    assert wound == expected


# (milestone payload key, post-operative day, local time) in the default window
MILESTONES = [
    ("pathway.milestone.recovery_first_days", 1, time(8, 30)),
    ("pathway.milestone.wound_sutures", 7, time(12, 30)),
    ("pathway.milestone.visit_2w", 12, time(12, 30)),
    ("pathway.milestone.recovery_2w", 14, time(8, 30)),
    ("pathway.milestone.recovery_3w", 21, time(8, 30)),
    ("pathway.milestone.recovery_4w", 28, time(8, 30)),
    ("pathway.milestone.visit_6w", 40, time(12, 30)),
    ("pathway.milestone.visit_3m", 82, time(12, 30)),
    ("pathway.milestone.pathway_end", 84, time(12, 30)),
]


@pytest.mark.parametrize(("key", "day", "at"), MILESTONES)
def test_milestones_arrive_on_their_day_at_their_routine(
    pathway: Pathway, key: str, day: int, at: time
) -> None:
    found = [
        (o.post_op_day, o.local_time)
        for o in full_plan(pathway, "interlaminar")
        if o.payload_key == key
    ]
    assert found == [(day, at)]


@pytest.mark.parametrize("approach", APPROACHES)
def test_checkins_carry_the_checkin_payload_and_a_dedupe_key_per_day(
    pathway: Pathway, approach: str
) -> None:
    checkins = [o for o in full_plan(pathway, approach) if o.kind == "checkin"]
    assert {o.payload_key for o in checkins} == {"checkin"}
    assert [o.dedupe_key for o in checkins] == [f"checkin:{o.post_op_day}" for o in checkins]


def test_the_same_inputs_always_give_the_same_plan(pathway: Pathway) -> None:
    assert full_plan(pathway, "biportal") == full_plan(pathway, "biportal")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2025, 3, 1), datetime(2025, 4, 1, tzinfo=UTC)),
        (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1)),
    ],
)
def test_naive_start_or_end_is_refused(pathway: Pathway, start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="naive"):
        occurrences(
            pathway,
            surgery_date=SURGERY,
            approach="interlaminar",
            zone=SEOUL,
            window=DEFAULT_WINDOW,
            start=start,
            end=end,
        )


def test_an_unknown_approach_is_invalid_input(pathway: Pathway) -> None:
    with pytest.raises(InvalidInput, match="microscopic"):
        full_plan(pathway, "microscopic")


def test_an_empty_or_reversed_range_yields_nothing(pathway: Pathway) -> None:
    instant = datetime(2025, 3, 5, tzinfo=UTC)
    for start, end in [(instant, instant), (instant, instant - timedelta(days=3))]:
        assert (
            occurrences(
                pathway,
                surgery_date=SURGERY,
                approach="interlaminar",
                zone=SEOUL,
                window=DEFAULT_WINDOW,
                start=start,
                end=end,
            )
            == []
        )


# (milestone id, slot it is moved to in the data, expected (day, local time) it is sent)
CROWDED = [
    ("activity_limits", "lunch", (4, time(12, 30))),
    ("activity_limits", "morning", (4, time(8, 30))),
    # The evening of day 4 holds the check-in and no slot comes later: the next morning.
    ("activity_limits", "evening", (5, time(8, 30))),
    # Day 21 is a check-in day too: the milestone moves to the morning of day 22.
    ("recovery_3w", "evening", (22, time(8, 30))),
]


@pytest.mark.parametrize(("ident", "slot", "expected"), CROWDED)
def test_a_milestone_whose_slot_is_taken_moves_to_the_next_free_slot(
    shipped_data: dict[str, Any], ident: str, slot: str, expected: tuple[int, time]
) -> None:
    next(m for m in shipped_data["milestones"] if m["id"] == ident)["slot"] = slot
    plan = full_plan(parse_pathway(shipped_data), "interlaminar")
    found = [(o.post_op_day, o.local_time) for o in plan if o.dedupe_key == f"milestone:{ident}"]
    assert found == [expected]
    assert max(Counter(o.local_date for o in plan).values()) <= 3
