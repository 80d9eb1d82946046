"""Broadcasts as durable deliveries: preview counts, one row per recipient, cancel, report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput, NotFound
from care.domain.plan import Approach
from care.storage import audiences, broadcasts
from care.storage.audiences import parse_audience
from care.storage.db import Database
from care.storage.models import MessageState, PatientStatus, ScheduledMessage
from tests.support.factories import add_broadcast, add_patient
from tests.support.queries import audit_entries, states

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Seoul


async def clinic(db: Database) -> dict[str, int]:
    """Six patients: weeks, approaches, languages and statuses to tell apart."""
    return {
        "wk1_tf_ko": await add_patient(
            db, "P-AAAAA1", now=NOW, chat_id=101, surgery_date=date(2026, 11, 28)
        ),
        "wk2_il_en": await add_patient(
            db,
            "P-AAAAA2",
            now=NOW,
            chat_id=102,
            surgery_date=date(2026, 11, 21),
            approach=Approach.INTERLAMINAR,
            language="en",
        ),
        "wk3_bp_ko": await add_patient(
            db,
            "P-AAAAA3",
            now=NOW,
            chat_id=103,
            surgery_date=date(2026, 11, 15),
            approach=Approach.BIPORTAL,
        ),
        "paused": await add_patient(
            db, "P-AAAAA4", now=NOW, chat_id=104, status=PatientStatus.PAUSED
        ),
        "invited": await add_patient(
            db, "P-AAAAA5", now=NOW, chat_id=None, status=PatientStatus.INVITED
        ),
        "unreachable": await add_patient(
            db, "P-AAAAA6", now=NOW, chat_id=106, status=PatientStatus.UNREACHABLE
        ),
    }


@pytest.mark.parametrize(
    ("audience", "count"),
    [
        ("all", 3),
        ("week:1", 1),
        ("week:1-2", 2),
        ("week:2-3", 2),
        ("week:4-12", 0),
        ("approach:transforaminal", 1),
        ("approach:biportal", 1),
        ("language:en", 1),
        ("language:ko", 2),
        ("patient:P-AAAAA3", 1),
        ("patient:P-AAAAA4", 0),  # paused: no broadcast
    ],
)
async def test_the_preview_counts_active_patients_with_a_chat_in_the_audience(
    db: Database, audience: str, count: int
) -> None:
    await clinic(db)
    async with db.session() as session:
        assert await audiences.preview(session, parse_audience(audience), NOW) == count


async def test_an_unknown_patient_code_is_not_found(db: Database) -> None:
    await clinic(db)
    async with db.session() as session:
        with pytest.raises(NotFound):
            await audiences.preview(session, parse_audience("patient:P-ZZZZZZ"), NOW)


async def test_creating_a_broadcast_queues_one_due_delivery_per_recipient(db: Database) -> None:
    ids = await clinic(db)
    broadcast = await add_broadcast(
        db, now=NOW, text_ko="내일 휴진합니다.", text_en="The clinic is closed tomorrow."
    )
    async with db.session() as session:
        rows = list(
            await session.scalars(select(ScheduledMessage).order_by(ScheduledMessage.patient_id))
        )
    assert [row.patient_id for row in rows] == [
        ids["wk1_tf_ko"],
        ids["wk2_il_en"],
        ids["wk3_bp_ko"],
    ]
    for row in rows:
        assert row.kind == "broadcast"
        assert row.broadcast_id == broadcast.id
        assert row.dedupe_key == f"broadcast:{broadcast.id}"
        assert row.due_at == NOW
        assert row.state == MessageState.PENDING
        assert row.timezone == "Asia/Seoul"
    assert broadcast.state == broadcasts.SENDING


async def test_each_patient_gets_their_language_or_else_the_other_one() -> None:
    both = broadcasts.BroadcastText(1, "한국어", "English", broadcasts.SENDING)
    only_korean = broadcasts.BroadcastText(2, "한국어", None, broadcasts.SENDING)
    only_english = broadcasts.BroadcastText(3, None, "English", broadcasts.SENDING)
    assert both.text_for("ko") == "한국어"
    assert both.text_for("en") == "English"
    assert only_korean.text_for("en") == "한국어"
    assert only_english.text_for("ko") == "English"


@pytest.mark.parametrize(
    ("text_ko", "text_en"),
    [(None, None), ("  ", ""), ("가" * 4097, None), (None, "a" * 4097)],
)
async def test_a_broadcast_needs_a_text_within_telegrams_limit(
    db: Database, text_ko: str | None, text_en: str | None
) -> None:
    await clinic(db)
    async with db.uow() as uow:
        with pytest.raises(InvalidInput):
            await broadcasts.create(
                uow.session,
                text_ko=text_ko,
                text_en=text_en,
                audience=parse_audience("all"),
                actor="cli",
                now=NOW,
            )


async def test_a_broadcast_to_nobody_is_refused(db: Database) -> None:
    await clinic(db)
    async with db.uow() as uow:
        with pytest.raises(InvalidInput):
            await broadcasts.create(
                uow.session,
                text_ko="공지",
                text_en=None,
                audience=parse_audience("week:10"),
                actor="cli",
                now=NOW,
            )


async def test_confirming_a_draft_twice_queues_nothing_the_second_time(db: Database) -> None:
    await clinic(db)
    async with db.uow() as uow:
        draft, count = await broadcasts.draft(
            uow.session,
            text_ko="공지",
            text_en=None,
            audience=parse_audience("all"),
            actor="coordinator:9001",
            now=NOW,
            progress_chat_id=-1001,
        )
        await uow.commit()
    assert count == 3
    assert await states(db, draft.id) == {}
    async with db.uow() as uow:
        assert await broadcasts.send(uow.session, draft.id, actor="coordinator:9001", now=NOW) == 3
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(InvalidInput):
            await broadcasts.send(uow.session, draft.id, actor="coordinator:9002", now=NOW)
    assert await states(db, draft.id) == {"pending": 3}


async def test_cancelling_stops_pending_deliveries_and_the_report_counts_them(
    db: Database, clock: FakeClock
) -> None:
    await clinic(db)
    broadcast = await add_broadcast(db, now=NOW)
    async with db.uow() as uow:  # one was sent before the cancel
        row = await uow.session.scalar(
            select(ScheduledMessage).where(ScheduledMessage.broadcast_id == broadcast.id).limit(1)
        )
        assert row is not None
        row.state = MessageState.SENT
        await uow.commit()
    async with db.uow() as uow:
        cancelled = await broadcasts.cancel(
            uow.session, broadcast.id, actor="coordinator:9001", now=NOW + timedelta(seconds=5)
        )
        await uow.commit()
    assert cancelled == 2
    async with db.uow() as uow:
        report = await broadcasts.settle(uow.session, broadcast.id, now=NOW)
        await uow.commit()
    assert report.state == broadcasts.CANCELLED
    assert report.counts() == {
        "sent": 1,
        "blocked": 0,
        "failed": 0,
        "pending": 0,
        "cancelled": 2,
        "total": 3,
    }
    async with db.uow() as uow:  # cancelling again changes nothing
        assert await broadcasts.cancel(uow.session, broadcast.id, actor="cli", now=NOW) == 0


async def test_cancelling_a_draft_discards_it(db: Database) -> None:
    await clinic(db)
    async with db.uow() as uow:
        draft, _ = await broadcasts.draft(
            uow.session,
            text_ko="공지",
            text_en=None,
            audience=parse_audience("all"),
            actor="cli",
            now=NOW,
        )
        await broadcasts.cancel(uow.session, draft.id, actor="cli", now=NOW)
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(InvalidInput):
            await broadcasts.send(uow.session, draft.id, actor="cli", now=NOW)
    assert await states(db, draft.id) == {}


async def test_every_step_is_audited_with_ids_and_counts_never_the_text(db: Database) -> None:
    await clinic(db)
    async with db.uow() as uow:
        broadcast = await broadcasts.create(
            uow.session,
            text_ko="비밀스러운 공지 문구",
            text_en="secret notice words",
            audience=parse_audience("language:ko"),
            actor="cli",
            now=NOW,
        )
        await broadcasts.cancel(uow.session, broadcast.id, actor="cli", now=NOW)
        await uow.commit()
    entries = [e for e in await audit_entries(db) if e.action.startswith("broadcast.")]
    assert [e.action for e in entries] == [
        "broadcast.drafted",
        "broadcast.sent",
        "broadcast.cancelled",
    ]
    assert {e.subject for e in entries} == {f"broadcast:{broadcast.id}"}
    assert entries[1].detail == {"audience": "language:ko", "recipients": 2}
    for entry in entries:
        assert "공지" not in str(entry.detail) and "notice" not in str(entry.detail)
