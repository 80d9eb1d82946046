"""Local wall-clock times become UTC per occurrence: DST neither skips nor doubles a message."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from care.domain.pathway import Pathway, WakingWindow, occurrences, wall_clock_to_utc

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SEOUL = ZoneInfo("Asia/Seoul")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # a 30-minute DST change
ALL_DAY = WakingWindow(time(0, 0), time(23, 59))
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# (zone, local date, wall time, expected UTC instant)
CONVERSIONS = [
    # New York springs forward at 02:00 on 9 March 2025: 02:30 does not exist -> 03:00 EDT.
    (NEW_YORK, date(2025, 3, 9), time(1, 59), utc(2025, 3, 9, 6, 59)),
    (NEW_YORK, date(2025, 3, 9), time(2, 0), utc(2025, 3, 9, 7, 0)),
    (NEW_YORK, date(2025, 3, 9), time(2, 30), utc(2025, 3, 9, 7, 0)),
    (NEW_YORK, date(2025, 3, 9), time(2, 59), utc(2025, 3, 9, 7, 0)),
    (NEW_YORK, date(2025, 3, 9), time(3, 0), utc(2025, 3, 9, 7, 0)),
    (NEW_YORK, date(2025, 3, 8), time(8, 30), utc(2025, 3, 8, 13, 30)),
    (NEW_YORK, date(2025, 3, 9), time(8, 30), utc(2025, 3, 9, 12, 30)),
    # New York falls back at 02:00 on 2 November 2025: 01:30 happens twice -> the first (EDT).
    (NEW_YORK, date(2025, 11, 2), time(1, 30), utc(2025, 11, 2, 5, 30)),
    (NEW_YORK, date(2025, 11, 2), time(2, 30), utc(2025, 11, 2, 7, 30)),
    (NEW_YORK, date(2025, 11, 1), time(19, 0), utc(2025, 11, 1, 23, 0)),
    (NEW_YORK, date(2025, 11, 2), time(19, 0), utc(2025, 11, 3, 0, 0)),
    # Berlin: 30 March 2025 02:00 -> 03:00; 26 October 2025 03:00 -> 02:00.
    (BERLIN, date(2025, 3, 30), time(2, 30), utc(2025, 3, 30, 1, 0)),
    (BERLIN, date(2025, 3, 30), time(8, 30), utc(2025, 3, 30, 6, 30)),
    (BERLIN, date(2025, 10, 26), time(2, 30), utc(2025, 10, 26, 0, 30)),
    (BERLIN, date(2025, 10, 26), time(8, 30), utc(2025, 10, 26, 7, 30)),
    # Seoul has no DST: always UTC+9.
    (SEOUL, date(2025, 3, 9), time(8, 30), utc(2025, 3, 8, 23, 30)),
    (SEOUL, date(2025, 11, 2), time(19, 0), utc(2025, 11, 2, 10, 0)),
    # Lord Howe Island springs forward 30 minutes at 02:00 on 5 October 2025.
    (LORD_HOWE, date(2025, 10, 5), time(2, 15), utc(2025, 10, 4, 15, 30)),
]


@pytest.mark.parametrize(("zone", "day", "wall", "expected"), CONVERSIONS)
def test_a_wall_clock_time_converts_to_the_documented_utc_instant(
    zone: ZoneInfo, day: date, wall: time, expected: datetime
) -> None:
    assert wall_clock_to_utc(day, wall, zone) == expected


# (zone, surgery date, DST change date, slot times): a daily check-in and posture reminder
# around a DST change, at wall times inside the gap or the repeated hour.
DST_DAYS = [
    (NEW_YORK, date(2025, 3, 5), date(2025, 3, 9), "02:30", "08:30"),
    (NEW_YORK, date(2025, 10, 29), date(2025, 11, 2), "01:30", "08:30"),
    (BERLIN, date(2025, 3, 26), date(2025, 3, 30), "02:30", "08:30"),
    (BERLIN, date(2025, 10, 22), date(2025, 10, 26), "02:30", "08:30"),
    (SEOUL, date(2025, 3, 5), date(2025, 3, 9), "02:30", "08:30"),
]


@pytest.mark.parametrize(("zone", "surgery", "change", "night", "morning"), DST_DAYS)
def test_a_dst_change_neither_skips_nor_doubles_a_message(
    small_pathway: Callable[..., Pathway],
    zone: ZoneInfo,
    surgery: date,
    change: date,
    night: str,
    morning: str,
) -> None:
    pathway = small_pathway("night", "morning", night=night, morning=morning)
    plan = occurrences(
        pathway,
        surgery_date=surgery,
        approach="interlaminar",
        zone=zone,
        window=ALL_DAY,
        start=EVER[0],
        end=EVER[1],
    )
    per_day = Counter((o.local_date, o.kind) for o in plan)
    assert set(per_day.values()) == {1}
    assert per_day[(change, "checkin")] == per_day[(change, "posture")] == 1
    assert len({o.due_at for o in plan}) == len(plan)
    gaps = [b.due_at - a.due_at for a, b in itertools.pairwise(plan)]
    assert all(gap > timedelta(0) for gap in gaps)


def test_a_checkin_inside_the_spring_forward_gap_is_sent_once_at_three(
    small_pathway: Callable[..., Pathway],
) -> None:
    pathway = small_pathway("night", "morning", night="02:30", morning="08:30")
    plan = occurrences(
        pathway,
        surgery_date=date(2025, 3, 5),
        approach="interlaminar",
        zone=NEW_YORK,
        window=ALL_DAY,
        start=utc(2025, 3, 9, 0),
        end=utc(2025, 3, 10, 0),
    )
    checkins = [o for o in plan if o.kind == "checkin"]
    assert [(o.post_op_day, o.local_time) for o in checkins] == [(4, time(2, 30))]
    assert [o.due_at.astimezone(NEW_YORK).time() for o in checkins] == [time(3, 0)]


def test_a_checkin_in_the_repeated_hour_is_sent_once_in_daylight_time(
    small_pathway: Callable[..., Pathway],
) -> None:
    pathway = small_pathway("night", "morning", night="01:30", morning="08:30")
    plan = occurrences(
        pathway,
        surgery_date=date(2025, 10, 29),
        approach="interlaminar",
        zone=NEW_YORK,
        window=ALL_DAY,
        start=utc(2025, 11, 2, 0),
        end=utc(2025, 11, 3, 0),
    )
    checkins = [o for o in plan if o.kind == "checkin"]
    assert [o.due_at for o in checkins] == [utc(2025, 11, 2, 5, 30)]
    assert checkins[0].due_at.astimezone(NEW_YORK).fold == 0


@pytest.mark.parametrize(
    ("zone", "surgery", "change"),
    [
        (NEW_YORK, date(2025, 3, 3), date(2025, 3, 9)),
        (NEW_YORK, date(2025, 10, 20), date(2025, 11, 2)),
        (BERLIN, date(2025, 3, 20), date(2025, 3, 30)),
        (BERLIN, date(2025, 10, 1), date(2025, 10, 26)),
    ],
)
def test_the_shipped_plan_keeps_its_local_times_across_a_dst_change(
    pathway: Pathway, zone: ZoneInfo, surgery: date, change: date
) -> None:
    window = WakingWindow(time(8), time(21))
    plan = occurrences(
        pathway,
        surgery_date=surgery,
        approach="transforaminal",
        zone=zone,
        window=window,
        start=EVER[0],
        end=EVER[1],
    )
    assert Counter(o.kind for o in plan) == {"checkin": 33, "posture": 77, "milestone": 17}
    for o in plan:
        local = o.due_at.astimezone(zone)
        assert (local.date(), local.time()) == (o.local_date, o.local_time)
    on_change = [o.local_time for o in plan if o.local_date == change]
    day_before = [o.local_time for o in plan if o.local_date == change - timedelta(days=1)]
    assert len(on_change) == len(day_before) > 0
