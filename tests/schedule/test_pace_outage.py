"""The shared pace while the database is away: sends are paced in memory, not refused.

Found by stopping a real PostgreSQL server (tests/drills/test_real_outage.py): the pace's
reservation failed with "connection refused", so every send failed and a patient writing
during the outage was never told "received"."""

from __future__ import annotations

from care.db import create_engine
from care.pace import DatabasePace
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
