"""The shared pace while the database is away: sends are paced in memory, not refused.

Found by stopping a real PostgreSQL server (tests/drills/test_real_outage.py): the pace's
reservation failed with "connection refused", so every send failed and a patient writing
during the outage was never told "received"."""

from __future__ import annotations

from care.storage.db import create_engine
from care.storage.pace import DatabasePace
from tests.drills.support import UNREACHABLE


async def test_a_pace_whose_database_is_away_paces_in_memory() -> None:
    engine = create_engine(UNREACHABLE)
    pace = DatabasePace(engine)
    try:
        first = await pace.reserve("bot", interval=0.5, burst=0.0, horizon=60.0)
        await pace.hold("chat:1", seconds=2.0)
        second = await pace.reserve("bot", interval=0.5, burst=0.0, horizon=60.0)
        held = await pace.reserve("chat:1", interval=1.0, burst=0.0, horizon=0.25)
    finally:
        await engine.dispose()
    assert first.granted and first.wait == 0.0
    assert second.granted and 0.4 < second.wait <= 0.5  # still one interval apart
    assert not held.granted and held.wait > 1.0  # a 429's hold is kept in memory too


def test_the_database_clock_is_placed_by_the_shortest_round_trip() -> None:
    """A slow round trip (40 ms, the reply held up on a loaded machine) placed a reservation
    up to 20 ms off on this process's clock, so two workers' evenly spaced sends bunched."""
    from care.storage.pace import ClockOffset

    clock = ClockOffset(keep=30.0)
    clock.sample(sent=10.000, received=10.002, db_now=5010.001)  # 2 ms: offset 5000.000
    clock.sample(sent=11.000, received=11.040, db_now=5011.001)  # 40 ms, the reply was slow
    assert abs(clock.local(5012.0) - 12.0) < 1e-9  # the 2 ms trip's offset is kept
    clock.sample(sent=50.000, received=50.030, db_now=5050.020)  # the kept one is 40 s old
    assert abs(clock.local(5051.0) - 50.995) < 1e-9  # so a fresh one replaces it
