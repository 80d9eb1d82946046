"""The demo clock asks when the next pending message is due, and each of its steps is audited."""

from __future__ import annotations

from datetime import timedelta

from care.domain.clock import FakeClock
from care.storage.db import Database
from care.storage.models import MessageState
from care.usecases.demo_clock import next_due, record_step
from tests.support.factories import add_due_messages, add_patient
from tests.support.queries import audit_entries


async def test_the_next_due_time_is_the_earliest_pending_one_after_now(
    db: Database, clock: FakeClock
) -> None:
    assert await next_due(db, after=clock.now()) is None
    await add_patient(db, now=clock.now())
    soon, later = clock.now() + timedelta(hours=1), clock.now() + timedelta(hours=5)
    sent_earlier = clock.now() + timedelta(minutes=5)  # sent already: not waited for
    await add_due_messages(
        db, 1, patients=1, due_at=sent_earlier, key="sent", state=MessageState.SENT
    )
    await add_due_messages(db, 1, patients=1, due_at=later, key="later")
    await add_due_messages(db, 1, patients=1, due_at=soon, key="soon")

    assert await next_due(db, after=clock.now()) == soon
    assert await next_due(db, after=soon) == later  # strictly after
    assert await next_due(db, after=later) is None


async def test_a_step_of_the_demo_clock_is_audited_with_how_far_it_moved(
    db: Database, clock: FakeClock
) -> None:
    before = clock.now()
    await record_step(db, "day", before, before + timedelta(days=1), actor="coordinator:7")
    [entry] = await audit_entries(db, "demo.clock")
    assert (entry.actor, entry.subject, entry.detail) == (
        "coordinator:7",
        "day",
        {"moved_seconds": 86_400},
    )
