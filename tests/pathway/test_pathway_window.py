"""The waking window: times are clamped into it, check-ins always stay, posture gives way."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from care.domain.errors import InvalidInput
from care.domain.pathway import Occurrence, Pathway, WakingWindow, occurrences

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
SURGERY = date(2025, 3, 3)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def plan_for(
    pathway: Pathway,
    window: WakingWindow,
    *,
    zone: ZoneInfo = SEOUL,
    start: datetime = EVER[0],
    end: datetime = EVER[1],
    surgery: date = SURGERY,
) -> list[Occurrence]:
    return occurrences(
        pathway,
        surgery_date=surgery,
        approach="interlaminar",
        zone=zone,
        window=window,
        start=start,
        end=end,
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(9), time(9)), (time(21), time(8)), (time(23, 59), time(0, 0))],
)
def test_a_window_that_does_not_start_before_it_ends_is_invalid_input(
    start: time, end: time
) -> None:
    with pytest.raises(InvalidInput, match="start before it ends"):
        WakingWindow(start, end)


@pytest.mark.parametrize(
    ("t", "inside"),
    [
        (time(7, 59), False),
        (time(8, 0), True),
        (time(12, 0), True),
        (time(21, 0), True),
        (time(21, 1), False),
    ],
)
def test_the_window_includes_both_of_its_edges(t: time, inside: bool) -> None:
    assert WakingWindow(time(8), time(21)).contains(t) is inside


NARROW = WakingWindow(time(10), time(16))
TINY = WakingWindow(time(13), time(14))
LATE = WakingWindow(time(20), time(22))

# (window, post-operative day, expected [(local time, kind)] that day)
DAYS = [
    # 10:00-16:00: morning 08:30 -> 10:00, lunch stays 12:30, evening 19:00 -> 16:00.
    (NARROW, 0, [(time(16), "checkin")]),
    (NARROW, 1, [(time(10), "milestone"), (time(12, 30), "milestone"), (time(16), "checkin")]),
    (NARROW, 3, [(time(10), "posture"), (time(12, 30), "posture"), (time(16), "checkin")]),
    (NARROW, 15, [(time(10), "posture"), (time(16), "posture")]),
    (NARROW, 16, [(time(10), "posture"), (time(16), "checkin")]),
    (NARROW, 43, [(time(12, 30), "posture")]),
    # 13:00-14:00: everything lands on 13:00 or 14:00; posture within an hour of another
    # message that day is dropped; the check-in and milestones stay.
    (TINY, 1, [(time(13), "milestone"), (time(13), "milestone"), (time(14), "checkin")]),
    (TINY, 3, [(time(13), "posture"), (time(14), "checkin")]),
    (TINY, 15, [(time(13), "posture"), (time(14), "posture")]),
    (TINY, 43, [(time(13), "posture")]),
    # 20:00-22:00: all three routines clamp to 20:00; only the check-in is left.
    (LATE, 3, [(time(20), "checkin")]),
    # At the same instant the check-in comes first.
    (LATE, 4, [(time(20), "checkin"), (time(20), "milestone")]),
    (LATE, 15, [(time(20), "posture")]),
]


@pytest.mark.parametrize(("window", "day", "expected"), DAYS)
def test_times_outside_the_window_are_clamped_to_its_nearest_edge(
    pathway: Pathway, window: WakingWindow, day: int, expected: list[tuple[time, str]]
) -> None:
    found = [(o.local_time, o.kind) for o in plan_for(pathway, window) if o.post_op_day == day]
    assert found == expected


@pytest.mark.parametrize(
    "window",
    [
        WakingWindow(time(8), time(21)),
        NARROW,
        TINY,
        LATE,
        WakingWindow(time(5), time(6)),
        WakingWindow(time(22), time(23, 30)),
    ],
)
def test_checkins_and_milestones_are_never_dropped_and_nothing_leaves_the_window(
    pathway: Pathway, window: WakingWindow
) -> None:
    plan = plan_for(pathway, window)
    counts = Counter(o.kind for o in plan)
    assert (counts["checkin"], counts["milestone"]) == (33, 17)
    assert all(window.contains(o.due_at.astimezone(SEOUL).time()) for o in plan)
    assert max(Counter(o.local_date for o in plan).values()) <= pathway.daily_cap


def test_a_narrow_window_keeps_every_posture_reminder_of_the_default_plan(
    pathway: Pathway,
) -> None:
    assert Counter(o.kind for o in plan_for(pathway, NARROW))["posture"] == 77


# (zone, chunk length): materialising in chunks gives the same set as one big window.
CHUNKS = [
    (SEOUL, timedelta(days=3)),
    (SEOUL, timedelta(hours=29)),
    (SEOUL, timedelta(minutes=90)),
    (NEW_YORK, timedelta(days=2)),
    (NEW_YORK, timedelta(hours=7)),
]


@pytest.mark.parametrize(("zone", "chunk"), CHUNKS)
def test_materialising_in_chunks_gives_the_same_plan_without_duplicates_at_the_seams(
    pathway: Pathway, zone: ZoneInfo, chunk: timedelta
) -> None:
    surgery = date(2025, 2, 20)  # the plan crosses New York's spring-forward day
    window = WakingWindow(time(7, 30), time(22))
    whole = plan_for(pathway, window, zone=zone, surgery=surgery)
    pieces: list[Occurrence] = []
    cursor = datetime(2025, 2, 19, 13, 17, tzinfo=UTC)
    while cursor < datetime(2025, 5, 20, tzinfo=UTC):
        pieces += plan_for(
            pathway, window, zone=zone, surgery=surgery, start=cursor, end=cursor + chunk
        )
        cursor += chunk
    assert pieces == whole
    assert len({o.dedupe_key for o in pieces}) == len(pieces)


def test_a_slice_holds_exactly_the_occurrences_due_inside_it(pathway: Pathway) -> None:
    window = WakingWindow(time(8), time(21))
    start = datetime(2025, 3, 4, 3, 30, tzinfo=UTC)  # day 1, 12:30 in Seoul: included
    end = datetime(2025, 3, 5, 3, 30, tzinfo=UTC)  # day 2, 12:30 in Seoul: excluded
    found = [
        (o.post_op_day, o.local_time, o.kind)
        for o in plan_for(pathway, window, start=start, end=end)
    ]
    assert found == [
        (1, time(12, 30), "milestone"),  # the warning-sign card
        (1, time(19), "checkin"),
        (2, time(8, 30), "posture"),
    ]


def test_slicing_accepts_any_aware_zone_for_start_and_end(pathway: Pathway) -> None:
    window = WakingWindow(time(8), time(21))
    in_utc = plan_for(
        pathway,
        window,
        start=datetime(2025, 3, 4, 3, 30, tzinfo=UTC),
        end=datetime(2025, 3, 5, 3, 30, tzinfo=UTC),
    )
    in_seoul = plan_for(
        pathway,
        window,
        start=datetime(2025, 3, 4, 12, 30, tzinfo=SEOUL),
        end=datetime(2025, 3, 5, 12, 30, tzinfo=SEOUL),
    )
    assert in_utc == in_seoul
