"""Broadcast use cases shared by the CLI and /broadcast: draft, send, cancel, create."""

from __future__ import annotations

import pytest

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput, NotFound
from care.domain.plan import Approach
from care.storage.db import Database
from care.usecases import broadcast
from tests.support.factories import add_patient
from tests.support.queries import states

GROUP = -1001


async def two_patients(db: Database, clock: FakeClock) -> None:
    await add_patient(db, "P-BCAST1", now=clock.now(), chat_id=8101)
    await add_patient(db, "P-BCAST2", now=clock.now(), chat_id=8102, approach=Approach.INTERLAMINAR)


async def draft_to_all(db: Database, clock: FakeClock) -> broadcast.Drafted:
    drafted = await broadcast.draft(
        db,
        clock,
        text_ko="공지",
        text_en=None,
        audience="all",
        actor="coordinator:1",
        progress_chat_id=GROUP,
    )
    assert isinstance(drafted, broadcast.Drafted)
    return drafted


async def test_an_audience_that_matches_nobody_stores_no_draft(
    db: Database, clock: FakeClock
) -> None:
    await two_patients(db, clock)
    drafted = await broadcast.draft(
        db,
        clock,
        text_ko="공지",
        text_en=None,
        audience="approach:biportal",
        actor="coordinator:1",
        progress_chat_id=GROUP,
    )
    assert drafted == broadcast.Nobody("approach:biportal")
    assert await broadcast.recent(db) == []


async def test_a_draft_is_sent_once_and_a_second_confirmation_is_stale(
    db: Database, clock: FakeClock
) -> None:
    await two_patients(db, clock)
    drafted = await broadcast.draft(
        db,
        clock,
        text_ko="공지",
        text_en="Notice",
        audience="all",
        actor="coordinator:1",
        progress_chat_id=GROUP,
    )
    assert isinstance(drafted, broadcast.Drafted) and drafted.recipients == 2

    with pytest.raises(InvalidInput):  # a button pressed in another chat
        await broadcast.send(db, clock, drafted.broadcast_id, actor="coordinator:1", chat_id=5)
    sent = await broadcast.send(
        db, clock, drafted.broadcast_id, actor="coordinator:1", chat_id=GROUP, progress_message_id=7
    )
    assert sent == broadcast.Sent(drafted.broadcast_id, "all", 2)
    again = await broadcast.send(
        db, clock, drafted.broadcast_id, actor="coordinator:1", chat_id=GROUP
    )
    assert isinstance(again, broadcast.Stale)
    assert await states(db, drafted.broadcast_id) == {"pending": 2}

    stopped = await broadcast.cancel(
        db, clock, drafted.broadcast_id, actor="coordinator:1", chat_id=GROUP
    )
    assert stopped == broadcast.Cancelled(drafted.broadcast_id, was_draft=False, cancelled=2)
    assert await states(db, drafted.broadcast_id) == {"cancelled": 2}


async def test_cancelling_a_draft_discards_it_and_queues_nothing(
    db: Database, clock: FakeClock
) -> None:
    await two_patients(db, clock)
    drafted = await draft_to_all(db, clock)
    cancelled = await broadcast.cancel(db, clock, drafted.broadcast_id, actor="cli")
    assert cancelled.was_draft and cancelled.cancelled == 0
    [(stored, counts)] = await broadcast.recent(db)
    assert stored.state == "discarded" and counts["total"] == 0


async def test_the_cli_creates_and_queues_at_once_and_refuses_an_unknown_id(
    db: Database, clock: FakeClock
) -> None:
    await two_patients(db, clock)
    created = await broadcast.create(
        db,
        clock,
        text_ko="공지",
        text_en=None,
        audience="approach:interlaminar",
        actor="cli",
        progress_chat_id=GROUP,
    )
    assert created.counts["pending"] == 1 and created.audience == "approach:interlaminar"
    with pytest.raises(NotFound):
        await broadcast.cancel(db, clock, 9999, actor="cli")
    with pytest.raises(InvalidInput):
        await broadcast.preview(db, clock, "week:nonsense")


async def test_a_shown_draft_counts_its_recipients_and_a_finished_broadcast_is_settled(
    db: Database, clock: FakeClock
) -> None:
    await two_patients(db, clock)
    drafted = await draft_to_all(db, clock)
    shown = await broadcast.show(db, clock, drafted.broadcast_id)
    assert (shown.item.state, shown.recipients) == ("draft", 2)

    await broadcast.send(db, clock, drafted.broadcast_id, actor="cli", chat_id=None)
    await broadcast.cancel(db, clock, drafted.broadcast_id, actor="cli")
    shown = await broadcast.show(db, clock, drafted.broadcast_id)
    assert shown.recipients is None  # no longer a draft: nothing to preview
    assert (shown.item.state, shown.report.state) == ("cancelled", "cancelled")
    with pytest.raises(NotFound):
        await broadcast.show(db, clock, 10**6)
