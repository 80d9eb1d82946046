"""The care team's door, checked directly on a real database: who may act where, and what a
refusal leaves behind (an audit entry each; once past the allowance, nothing more)."""

from __future__ import annotations

import pytest

from care.domain.clock import FakeClock
from care.domain.errors import NotAllowed, RefusedQuietly
from care.storage.db import Database
from care.storage.throttle import AttemptThrottle
from care.usecases.team_access import (
    added_coordinators,
    change_coordinator,
    require_coordinator,
)
from tests.support.queries import audit_entries

NURSE = 9001
STRANGER = 6666
GROUP = -1001


async def check(
    db: Database, clock: FakeClock, throttle: AttemptThrottle, user_id: int, chat_id: int
) -> None:
    await require_coordinator(
        db,
        clock,
        throttle,
        user_id=user_id,
        chat_id=chat_id,
        private_chat=chat_id > 0,
        listed={NURSE},
        coordinator_chat_id=GROUP,
        action="alerts.list",
    )


async def test_a_coordinator_acts_privately_or_in_the_teams_group_and_nothing_is_audited(
    db: Database, clock: FakeClock
) -> None:
    throttle = AttemptThrottle()

    await check(db, clock, throttle, NURSE, NURSE)
    await check(db, clock, throttle, NURSE, GROUP)

    assert await audit_entries(db) == []


async def test_a_coordinator_in_another_group_is_refused_and_the_attempt_audited(
    db: Database, clock: FakeClock
) -> None:
    with pytest.raises(NotAllowed):
        await check(db, clock, AttemptThrottle(), NURSE, -2002)

    refused = await audit_entries(db, "coordinator.refused")
    assert [(a.actor, a.subject) for a in refused] == [(f"telegram:{NURSE}", "alerts.list")]


async def test_past_the_allowance_a_stranger_is_refused_quietly_with_one_throttle_entry(
    db: Database, clock: FakeClock
) -> None:
    throttle = AttemptThrottle("2/minute")

    for _ in range(2):
        with pytest.raises(NotAllowed) as refused:
            await check(db, clock, throttle, STRANGER, STRANGER)
        assert not isinstance(refused.value, RefusedQuietly)
    with pytest.raises(RefusedQuietly):
        await check(db, clock, throttle, STRANGER, STRANGER)

    assert len(await audit_entries(db, "coordinator.refused")) == 2
    assert len(await audit_entries(db, "coordinator.refusals_throttled")) == 1


async def test_a_coordinator_is_added_once_removed_once_and_each_change_audited(
    db: Database, clock: FakeClock
) -> None:
    assert await change_coordinator(db, clock, 4242, add=True, actor="cli")
    assert not await change_coordinator(db, clock, 4242, add=True, actor="cli")
    assert [c.telegram_user_id for c in await added_coordinators(db)] == [4242]
    assert await change_coordinator(db, clock, 4242, add=False, actor="cli")
    assert not await change_coordinator(db, clock, 4242, add=False, actor="cli")
    assert await added_coordinators(db) == []
    assert [e.action for e in await audit_entries(db) if e.subject == "4242"] == [
        "coordinator.added",
        "coordinator.removed",
    ]
