"""Telegram's answers, through the real python-telegram-bot Bot over HTTP against the sandbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.messenger import TelegramMessenger
from care.domain.callbacks import decode, encode
from care.domain.clock import FakeClock
from care.domain.pathway import Pathway
from care.storage.db import Database
from care.storage.models import Alert, AlertState, MessageState, Patient, PatientStatus
from care.storage.schedule import extend_schedule
from sandbox import SandboxClient
from scheduler.dispatcher import Dispatcher, RetryPolicy
from tests.schedule.conftest import COORDINATOR_CHAT, ESCALATION_CHAT, PATIENT_CHAT
from tests.support.factories import add_due_messages, add_patient
from tests.support.parts import build_dispatcher
from tests.support.queries import attempts, patient, rows

SURGERY = date(2026, 11, 18)


def dispatcher(
    db: Database, messenger: TelegramMessenger, clock: FakeClock, **options: Any
) -> Dispatcher:
    return build_dispatcher(
        db,
        messenger,
        clock,
        worker_id="worker-1",
        coordinator_chat_id=COORDINATOR_CHAT,
        escalation_chat_id=ESCALATION_CHAT,
        **options,
    )


def button_data(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [button["callback_data"] for row in markup["inline_keyboard"] for button in row]


async def alerts(db: Database) -> list[Alert]:
    async with db.session() as session:
        return list(await session.scalars(select(Alert).order_by(Alert.id)))


async def test_a_429_delays_the_message_by_retry_after_and_it_is_then_sent_once(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault("sendMessage", status=429, retry_after=30)
    worker = dispatcher(db, telegram_messenger, clock)

    first = await worker.run_once()

    assert (first.claimed, first.retried, first.sent) == (1, 1, 0)
    [row] = await rows(db)
    assert row.state == MessageState.PENDING
    assert row.due_at == clock.now() + timedelta(seconds=30)
    assert row.attempts == 0  # flood control costs the message no attempt
    assert (await worker.run_once()).claimed == 0  # not before retry_after
    clock.advance(timedelta(seconds=30))
    assert (await worker.run_once()).sent == 1

    sent = await control.sent_messages(PATIENT_CHAT)
    assert len(sent) == 1
    assert button_data(sent[0]) == [encode("ci", message_id)]
    assert [a.outcome for a in await attempts(db, message_id)] == ["retry_later", "sent"]
    assert (await attempts(db, message_id))[0].error_code == 429
    [row] = await rows(db)
    assert (row.state, row.telegram_message_id) == (MessageState.SENT, sent[0]["message_id"])


async def test_server_errors_are_retried_with_backoff_then_the_message_is_sent_once(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault("sendMessage", status=500, count=2)
    worker = dispatcher(db, telegram_messenger, clock)

    assert (await worker.run_once()).retried == 1
    assert (await rows(db))[0].due_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    assert (await worker.run_once()).retried == 1
    assert (await rows(db))[0].due_at == clock.now() + timedelta(seconds=60)  # backoff doubles
    clock.advance(timedelta(seconds=59))
    assert (await worker.run_once()).claimed == 0
    clock.advance(timedelta(seconds=1))
    assert (await worker.run_once()).sent == 1

    assert len(await control.sent_messages(PATIENT_CHAT)) == 1
    outcomes = [a.outcome for a in await attempts(db, message_id)]
    assert outcomes == ["transient", "transient", "sent"]
    assert await alerts(db) == []


async def test_persistent_server_errors_fail_the_message_and_alert_the_coordinators(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    patient_id = await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault("sendMessage", status=502, count=3)
    worker = dispatcher(db, telegram_messenger, clock, retry=RetryPolicy(max_attempts=3))

    for _ in range(3):
        await worker.run_once()
        clock.advance(timedelta(minutes=10))

    [row] = await rows(db)
    assert row.state == MessageState.FAILED
    assert [a.outcome for a in await attempts(db, message_id)] == ["transient"] * 3
    [alert] = await alerts(db)
    assert (alert.patient_id, alert.source, alert.severity) == (
        patient_id,
        "delivery_failed",
        "amber",
    )
    assert alert.escalation_level == 1
    [notice] = await control.sent_messages(COORDINATOR_CHAT)
    assert "P0001" in notice["text"]
    assert button_data(notice) == [encode("ack", alert.id), encode("called", alert.id)]
    assert alert.telegram_message_id == notice["message_id"]
    assert await control.sent_messages(PATIENT_CHAT) == []


async def test_a_timeout_after_telegram_accepted_is_maybe_sent_and_never_reported_failed(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    """Telegram delivers, the answer comes after PTB's read timeout, twice: the message is
    re-sent once (at most two copies), then settled as sent "maybe"; the team hears nothing.
    Before, it was retried until failed, with a "could not be delivered" alert."""
    await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault("sendMessage", status=None, count=2, delay=1.0)
    worker = dispatcher(db, telegram_messenger, clock, retry=RetryPolicy(max_attempts=5))

    assert (await worker.run_once()).retried == 1
    clock.advance(timedelta(minutes=1))
    second = await worker.run_once()
    clock.advance(timedelta(hours=1))
    third = await worker.run_once()

    assert (second.resends, second.maybe_sent, second.failed) == (1, 1, 0)
    assert third.claimed == 0
    assert len(await control.sent_messages(PATIENT_CHAT)) == 2  # the bound: at most twice
    [row] = await rows(db)
    assert (row.state, row.last_error, row.in_doubt) == (MessageState.SENT, "maybe_sent", True)
    found = await attempts(db, message_id)
    assert [a.outcome for a in found] == ["maybe_sent", "maybe_sent"]
    assert await alerts(db) == []
    assert await control.sent_messages(COORDINATOR_CHAT) == []


async def test_a_dropped_connection_then_an_answer_sends_it_at_most_twice(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault("sendMessage", status=None, drop=True)
    worker = dispatcher(db, telegram_messenger, clock)

    await worker.run_once()
    clock.advance(timedelta(minutes=1))
    again = await worker.run_once()

    assert (again.sent, again.resends) == (1, 1)
    [row] = await rows(db)
    assert (row.state, row.last_error) == (MessageState.SENT, None)
    assert [a.outcome for a in await attempts(db, message_id)] == ["maybe_sent", "sent"]
    assert len(await control.sent_messages(PATIENT_CHAT)) == 2
    assert await alerts(db) == []


async def test_a_timeout_before_telegram_answered_an_error_is_also_maybe_sent(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    """The client cannot tell a late error from a late success: both are "maybe sent"."""
    await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault("sendMessage", status=504, count=2, delay=1.0)
    worker = dispatcher(db, telegram_messenger, clock, retry=RetryPolicy(max_attempts=2))

    assert (await worker.run_once()).retried == 1
    clock.advance(timedelta(minutes=1))
    assert (await worker.run_once()).maybe_sent == 1

    found = await attempts(db, message_id)
    assert [a.outcome for a in found] == ["maybe_sent", "maybe_sent"]
    assert all("timed out" in (a.detail or "").lower() for a in found)
    assert await alerts(db) == []
    assert await control.sent_messages(COORDINATOR_CHAT) == []


async def test_a_blocked_bot_makes_the_patient_unreachable_and_alerts_red_at_once(
    db: Database,
    clock: FakeClock,
    control: SandboxClient,
    telegram_messenger: TelegramMessenger,
    pathway: Pathway,
) -> None:
    patient_id = await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    async with db.uow() as uow:
        row = await uow.session.get(Patient, patient_id)
        assert row is not None
        planned = await extend_schedule(uow.session, row, pathway, now=clock.now())
        await uow.commit()
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.block(PATIENT_CHAT)
    worker = dispatcher(db, telegram_messenger, clock)

    stats = await worker.run_once()

    assert (stats.claimed, stats.blocked, stats.sent) == (1, 1, 0)
    assert (await patient(db, patient_id)).status == PatientStatus.UNREACHABLE
    by_state = [r.state for r in await rows(db)]
    assert by_state.count(MessageState.FAILED) == 1
    assert by_state.count(MessageState.CANCELLED) == planned
    [attempt] = await attempts(db, message_id)
    assert (attempt.outcome, attempt.error_code) == ("blocked", 403)
    [alert] = await alerts(db)
    assert (alert.severity, alert.source, alert.state) == ("red", "unreachable", AlertState.OPEN)
    assert alert.next_escalation_at == clock.now() + timedelta(minutes=15)
    [notice] = await control.sent_messages(COORDINATOR_CHAT)  # posted in the same run
    assert notice["text"].startswith("🔴")
    assert [decode(data).action for data in button_data(notice)] == ["ack", "called"]
    clock.advance(timedelta(days=1))
    assert (await worker.run_once()).claimed == 0


async def test_chat_not_found_counts_as_unreachable(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    patient_id = await add_patient(db, chat_id=424242, surgery_date=SURGERY, now=clock.now())
    await add_due_messages(db, 1, patients=1, due_at=clock.now())

    stats = await dispatcher(db, telegram_messenger, clock).run_once()

    assert stats.blocked == 1
    assert (await patient(db, patient_id)).status == PatientStatus.UNREACHABLE
    [attempt] = await attempts(db, (await rows(db))[0].id)
    assert attempt.error_code == 400
    assert len(await control.sent_messages(COORDINATOR_CHAT)) == 1


async def test_another_bad_request_fails_the_message_without_retrying(
    db: Database, clock: FakeClock, control: SandboxClient, telegram_messenger: TelegramMessenger
) -> None:
    await add_patient(db, chat_id=PATIENT_CHAT, surgery_date=SURGERY, now=clock.now())
    [message_id] = await add_due_messages(db, 1, patients=1, due_at=clock.now())
    await control.inject_fault(
        "sendMessage", status=400, description="Bad Request: message is too long"
    )

    stats = await dispatcher(db, telegram_messenger, clock).run_once()

    assert (stats.failed, stats.retried) == (1, 0)
    assert [a.outcome for a in await attempts(db, message_id)] == ["rejected"]
    [alert] = await alerts(db)
    assert alert.source == "delivery_failed"
