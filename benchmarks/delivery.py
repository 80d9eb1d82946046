"""Delivery drills: the real dispatcher, python-telegram-bot with the bot's pace, the sandbox
with Telegram's flood limits on. Small in ``make test`` (tests/schedule/test_pace_drill.py),
full size in ``make bench``.

Each run prints: messages, lost (must be 0), duplicates (against the bound), 429s, and the
rate against Telegram's cap of 30 messages a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any, Literal

from sqlalchemy import func, insert, select
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.messenger import TelegramMessenger
from bot.pace import PaceLimits, TelegramPace, pace_store
from care.domain.callbacks import decode
from care.domain.plan import Approach
from care.storage import broadcasts, migrate
from care.storage.audiences import parse_audience
from care.storage.db import Database
from care.storage.models import MessageState, Patient, PatientStatus, ScheduledMessage
from messages.catalog import load_catalog
from sandbox import SandboxClient
from scheduler.dispatcher import Dispatcher

TOKEN = "123456:DRILL"
CAP = 30.0  # Telegram's messages a second per bot
FIRST_CHAT = 70_000
Kind = Literal["reminders", "broadcast"]


@dataclass(frozen=True)
class PaceResult:
    kind: str
    backend: str
    workers: int
    messages: int
    patients: int
    delivered: int
    lost: int
    duplicates: int
    flood_429: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.kind:>9} {self.backend:>10} {self.workers:>2} worker(s): {self.messages} "
            f"messages to {self.patients} patients, lost {self.lost}, duplicates "
            f"{self.duplicates} (bound 0 without deaths), 429s {self.flood_429}, "
            f"{self.rate:.1f} msg/s = {self.rate / CAP:.3f} of the cap"
        )


@contextlib.asynccontextmanager
async def sandbox_process(
    *, flood_limits: bool = True, token: str = TOKEN
) -> AsyncIterator[tuple[str, str]]:
    """The sandbox in a process of its own, flood limits on, as Telegram is: its clock is
    not slowed by the workers' event loop. Yields its Bot API and control addresses."""
    flags = () if flood_limits else ("--no-flood-limits",)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", "0", "--token", token, *flags,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        found: dict[str, str] = {}
        while len(found) < 2:
            line = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode()
            if not line:
                raise RuntimeError("the sandbox process ended before it printed its addresses")
            name, _, value = line.partition(":")
            if name in ("Bot API base_url", "control API"):
                found[name] = value.strip()
        yield found["Bot API base_url"], found["control API"]
    finally:
        process.terminate()
        await process.wait()


async def ensure_users(ctl: SandboxClient, patients: int) -> None:
    """The patients' private chats, known to the sandbox (they have started the bot)."""
    for start in range(0, patients, 100):
        chats = range(FIRST_CHAT + start, FIRST_CHAT + min(start + 100, patients))
        await asyncio.gather(*(ctl.ensure_user(chat, "Drill") for chat in chats))


async def add_patients(db: Database, patients: int, now: datetime) -> list[int]:
    """Active patients awake all day (a broadcast goes out at once), chats FIRST_CHAT + n."""
    rows = [
        {
            "code": f"D{n:06d}",
            "chat_id": FIRST_CHAT + n,
            "language": "ko",
            "timezone": "Asia/Seoul",
            "surgery_date": now.date(),
            "approach": Approach.INTERLAMINAR,
            "status": PatientStatus.ACTIVE,
            "waking_start": clock_time(0, 0),
            "waking_end": clock_time(23, 59),
            "created_at": now,
            "updated_at": now,
        }
        for n in range(patients)
    ]
    async with db.uow() as uow:
        for start in range(0, len(rows), 1000):
            await uow.session.execute(insert(Patient), rows[start : start + 1000])
        ids = list(await uow.session.scalars(select(Patient.id).order_by(Patient.id)))
        await uow.commit()
    return ids


async def add_reminders(db: Database, patient_ids: list[int], count: int, now: datetime) -> None:
    """``count`` check-in reminders due now, round-robin over the patients."""
    local = now.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul"))
    rows = [
        {
            "patient_id": patient_ids[n % len(patient_ids)],
            "kind": "checkin",
            "payload_key": "checkin",
            "dedupe_key": f"drill:{n}",
            "post_op_day": 3,
            "local_date": local.date(),
            "local_time": local.time().replace(tzinfo=None),
            "timezone": "Asia/Seoul",
            "due_at": now,
            "state": MessageState.PENDING,
            "attempts": 0,
            "created_at": now,
        }
        for n in range(count)
    ]
    async with db.uow() as uow:
        for start in range(0, len(rows), 1000):
            await uow.session.execute(insert(ScheduledMessage), rows[start : start + 1000])
        await uow.commit()


async def unsettled(db: Database) -> int:
    async with db.session() as session:
        count = await session.scalar(
            select(func.count()).where(
                ScheduledMessage.state.in_([MessageState.PENDING, MessageState.CLAIMED])
            )
        )
    return int(count or 0)


async def pace_run(
    url: str,
    *,
    kind: Kind,
    messages: int,
    patients: int,
    workers: int = 1,
    limits: PaceLimits | None = None,
) -> PaceResult:
    """Send ``messages`` (reminders round-robin over ``patients``, or a broadcast to all of
    them) with ``workers`` dispatchers, each with its own engine and Bot, through the sandbox
    with Telegram's limits on. ``url`` is a migrated or empty database."""
    await migrate.upgrade(url)
    now = datetime.now(UTC)
    setup = Database(url)
    ids = await add_patients(setup, patients, now)
    async with sandbox_process() as (api_url, control_url), SandboxClient(control_url) as ctl:
        await ensure_users(ctl, patients)
        if kind == "reminders":
            await add_reminders(setup, ids, messages, now)
        else:
            async with setup.uow() as uow:
                await broadcasts.create(
                    uow.session,
                    text_ko="공지: 다음 주 외래는 정상 운영합니다.",
                    text_en=None,
                    audience=parse_audience("all"),
                    actor="drill",
                    now=now,
                )
                await uow.commit()
            messages = patients
        engines = [Database(url) for _ in range(workers)]
        bots = [
            ExtBot(TOKEN, base_url=api_url, rate_limiter=TelegramPace(pace_store(db), limits))
            for db in engines
        ]
        flood_before = int((await ctl.stats())["flood_429"])
        started = time.perf_counter()
        try:
            for bot in bots:
                await bot.initialize()
            await asyncio.gather(
                *(
                    drain(db, TelegramMessenger(bot), f"drill-{n}")
                    for n, (db, bot) in enumerate(zip(engines, bots, strict=True))
                )
            )
            seconds = time.perf_counter() - started
        finally:
            for bot in bots:
                await bot.shutdown()
            for db in engines:
                await db.dispose()
        sent = await ctl.sent_messages()
        flood = int((await ctl.stats())["flood_429"]) - flood_before
    await setup.dispose()
    if kind == "reminders":
        per_message = copies(sent)
        delivered = sum(per_message.values())
        duplicates = delivered - len(per_message)
        lost = messages - len(per_message)
    else:
        per_chat = Counter(message["chat"]["id"] for message in sent)
        delivered = sum(per_chat.values())
        duplicates = delivered - len(per_chat)
        lost = patients - len(per_chat)
    return PaceResult(
        kind, "SQLite" if "sqlite" in url else "PostgreSQL", workers, messages, patients,
        delivered, lost, duplicates, flood, seconds,
    )  # fmt: skip


class AheadClock:
    """The real clock, moved on by hand: retries' backoffs pass without waiting for them."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def drain(
    db: Database, messenger: TelegramMessenger, worker_id: str, *, clock_ahead: bool = False
) -> None:
    """Dispatch until nothing is pending or claimed (429s put messages back for later).
    With ``clock_ahead`` the clock jumps 10 minutes whenever the worker finds nothing due,
    so messages put back with a backoff come round again at once."""
    clock = AheadClock()
    worker = Dispatcher(
        db, messenger, clock, worker_id=worker_id, catalog=load_catalog(), escalator=None
    )
    while True:
        await worker.run_until_idle(max_batches=10_000)
        if await unsettled(db) == 0:
            return
        if clock_ahead:
            clock.offset += timedelta(minutes=10)
        else:
            await asyncio.sleep(0.2)


@dataclass(frozen=True)
class DrillResult:
    name: str
    messages: int
    lost: int
    duplicates: int
    most_copies: int
    maybe_sent: int
    failed: int
    flood_429: int
    seconds: float
    detail: str = ""

    def line(self) -> str:
        return (
            f"{self.name}: {self.messages} messages{self.detail}, lost {self.lost}, duplicates "
            f"{self.duplicates} (bound: each message at most twice; most copies "
            f"{self.most_copies}), maybe-sent {self.maybe_sent}, reported failed "
            f"{self.failed}, 429s {self.flood_429}, {self.messages / self.seconds:.1f} msg/s "
            f"({self.messages / self.seconds / CAP:.2f} of the cap)"
        )


def copies(sent: list[dict[str, Any]]) -> Counter[int]:
    """Scheduled-message id -> how many times it reached the chat (from its check-in button)."""
    return Counter(
        decode(button["callback_data"]).arg_int(0)
        for message in sent
        for row in (message.get("reply_markup") or {"inline_keyboard": []})["inline_keyboard"]
        for button in row
        if button["callback_data"].startswith("1|ci|")
    )


async def settled(db: Database, state: MessageState | None = None, error: str | None = None) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(ScheduledMessage)
        if state is not None:
            query = query.where(ScheduledMessage.state == state)
        if error is not None:
            query = query.where(ScheduledMessage.last_error == error)
        return int(await session.scalar(query) or 0)


async def faults_drill(
    url: str, *, messages: int, patients: int, every: float = 0.2
) -> DrillResult:
    """Dispatch through Telegram faults injected all along: 500s, answers that come after the
    client's timeout (the message delivered), dropped connections, and 429 bursts."""
    await migrate.upgrade(url)
    now = datetime.now(UTC)
    db = Database(url)
    ids = await add_patients(db, patients, now)
    faults: list[dict[str, Any]] = [
        {"status": 500, "count": 3},
        {"status": None, "delay": 1.5},  # accepted, answered after the client gave up
        {"status": None, "drop": True},  # accepted, connection dropped
        {"status": 502, "drop": True},  # refused, connection dropped
        {"status": 429, "retry_after": 1, "count": 5},
    ]
    async with (
        sandbox_process(flood_limits=False) as (api_url, control_url),
        SandboxClient(control_url) as ctl,
    ):
        await ensure_users(ctl, patients)
        await add_reminders(db, ids, messages, now)
        request = HTTPXRequest(connection_pool_size=16, read_timeout=1.0)
        pace = TelegramPace(pace_store(db))
        bot = ExtBot(TOKEN, base_url=api_url, request=request, rate_limiter=pace)
        injected = 0

        async def inject() -> None:
            nonlocal injected
            while True:  # the next fault once the last one is used up, `every` s later
                await asyncio.sleep(every)
                if not await ctl.pending_faults():
                    await ctl.inject_fault("sendMessage", **faults[injected % len(faults)])
                    injected += 1

        started = time.perf_counter()
        async with bot:
            injector = asyncio.create_task(inject())
            try:
                await drain(db, TelegramMessenger(bot), "faults", clock_ahead=True)
            finally:
                injector.cancel()
        seconds = time.perf_counter() - started
        per_message = copies(await ctl.sent_messages())
        flood = int((await ctl.stats())["flood_429"])
    result = DrillResult(
        "Telegram faults",
        messages,
        lost=messages - len(per_message),
        duplicates=sum(per_message.values()) - len(per_message),
        most_copies=max(per_message.values(), default=0),
        maybe_sent=await settled(db, error="maybe_sent"),
        failed=await settled(db, MessageState.FAILED),
        flood_429=flood,
        seconds=seconds,
        detail=f" ({injected} faults injected)",
    )
    await db.dispose()
    return result


async def crash_drill(url: str, *, messages: int, kills: int, patients: int = 200) -> DrillResult:
    """Dispatcher processes SIGKILLed ``kills`` times during the run, each restart taking
    over the dead worker's claims (its clock moved past the lease), then one finishes."""
    from tests.support.crash_worker import TOKEN as WORKER_TOKEN
    from tests.support.processes import LEASE, start_worker  # the crash test's worker process

    await migrate.upgrade(url)
    now = datetime.now(UTC)
    db = Database(url)
    ids = await add_patients(db, patients, now)
    async with (
        sandbox_process(flood_limits=False, token=WORKER_TOKEN) as (api_url, control_url),
        SandboxClient(control_url) as ctl,
    ):
        await ensure_users(ctl, patients)
        await add_reminders(db, ids, messages, now)
        started = time.perf_counter()
        step = messages // (kills + 1)
        for kill in range(kills):
            worker = await start_worker(db, api_url, f"doomed-{kill}", offset=kill * (LEASE + 1))
            target = (kill + 1) * step
            while int((await ctl.stats())["calls"].get("sendMessage", 0)) < target:
                if worker.returncode is not None:
                    break
                await asyncio.sleep(0.01)
            if worker.returncode is None:
                worker.kill()
            await worker.wait()
        survivor = await start_worker(db, api_url, "survivor", offset=kills * (LEASE + 1))
        await asyncio.wait_for(survivor.wait(), timeout=600)
        seconds = time.perf_counter() - started
        per_message = copies(await ctl.sent_messages())
    result = DrillResult(
        "SIGKILLs during dispatch",
        messages,
        lost=messages - len(per_message),
        duplicates=sum(per_message.values()) - len(per_message),
        most_copies=max(per_message.values(), default=0),
        maybe_sent=await settled(db, error="maybe_sent"),
        failed=await settled(db, MessageState.FAILED),
        flood_429=0,
        seconds=seconds,
        detail=f" ({kills} SIGKILLs, {await settled(db, MessageState.SENT)} rows sent)",
    )
    await db.dispose()
    return result
