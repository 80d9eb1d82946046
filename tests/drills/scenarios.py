"""The input drills, sized by the caller: small in `make test`, full size in `make bench`.

Each drives the real service (python-telegram-bot over HTTP against the sandbox) and returns
its figures; ``report`` prints them. Tracebacks are counted from the service's own log: an
update that raised reaches the error handler ("handler_failed"), anything else logged at
error level counts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import sys
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select
from structlog.testing import capture_logs

from bot.pace import PaceLimits, TelegramPace
from care.storage.conversation import CLAIMED, IN, PENDING, POSTED
from care.storage.models import CardPost, ConversationItem, InboundMessage, ReceivedUpdate
from sandbox import FloodLimits
from sandbox.client import SandboxError
from tests.drills.cluster import Cluster
from tests.drills.support import database_down
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register

GROUP = -1001
NURSE = 9001
STRANGER = 9999
PATIENTS = (8101, 8102, 8103)
Figures = dict[str, Any]

# What people type, and what someone forging input might: every script, control characters,
# NUL, direction marks, zero-width joiners, emoji, and up to Telegram's 4,096 characters.
POOLS = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"
    " .,!?;:'\"()[]{}<>/\\|@#$%^&*-_=+~`",
    "가나다라마바사아자차카타파하 소변 다리 힘이 빠져요 열이 나요 아파요 괜찮아요 허리 수술",
    "\x00\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x7f\u200b\u200d\u202e\u2066\ufeff\n\t\r",
    "😀🙏🏻👨‍👩‍👧‍👦🦴💊🚑",
    "I can't pee my legs are numb fever 39 wound leaking pus okay fine thanks",
)
ACTIONS = ("lang", "consent", "sdate", "wake", "pdone", "plater", "ci", "ans", "ftc", "ack",
           "called", "bc", "page", "nope")  # fmt: skip
COMMANDS = ("/start", "/help", "/checkin", "/pause", "/resume", "/language", "/mydata",
            "/patients", "/patient", "/alerts", "/broadcast", "/export", "/enroll", "/cancel",
            "/unknown", "/start@spinecare_sandbox_bot")  # fmt: skip


def random_text(rng: random.Random) -> str:
    length = rng.choice((1, 2, 5, 20, 80, 300, 1000, 4000, 4096))
    pool = "".join(rng.sample(POOLS, rng.randint(1, len(POOLS))))
    text = "".join(rng.choice(pool) for _ in range(length))
    return text if text.strip("\x00") else "x"  # Telegram never delivers an empty text


def random_argument(rng: random.Random) -> str:
    return rng.choice(
        (
            str(rng.randint(0, 10)),
            "9" * rng.randint(10, 24),
            str(2**63),
            str(2**31),
            "yes",
            "no",
            "now",
            "ko",
            "x';drop",
            "-1",
            "1e9",
        )
    )


def random_callback(rng: random.Random) -> str:
    """Callback data of every shape: well formed with wild arguments, or plain garbage."""
    shape = rng.random()
    if shape < 0.6:
        action = rng.choice(ACTIONS)
        parts = ["1", action, *(random_argument(rng) for _ in range(rng.randint(0, 4)))]
        data = "|".join(parts)
    elif shape < 0.8:
        data = "".join(rng.choice(POOLS[0] + "|") for _ in range(rng.randint(1, 64)))
    else:
        data = "".join(rng.choice(POOLS[1] + POOLS[3] + "|1") for _ in range(rng.randint(1, 15)))
    while len(data.encode()) > 64:
        data = data[:-1]
    return data or "1"


def starts_with_command(message: object) -> bool:
    """Whether Telegram marked the message a bot command (an entity at its start): a random
    text such as "/c" is one, answered as an unknown command and not kept as a patient's text."""
    entities = message.get("entities") if isinstance(message, dict) else None
    first = entities[0] if entities else {}
    return first.get("type") == "bot_command" and first.get("offset") == 0


def random_command(rng: random.Random) -> str:
    command = rng.choice(COMMANDS)
    return command if rng.random() < 0.4 else f"{command} {random_text(rng)[:200]}"


def _exception_now(_logger: object, _name: str, event: MutableMapping[str, Any]) -> Any:
    """``log.exception`` records ``exc_info=True``: keep the exception itself, to print it."""
    if event.get("exc_info") is True:
        event["exc_info"] = sys.exc_info()[1]
    return event


@contextmanager
def counted_errors() -> Iterator[list[dict[str, Any]]]:
    with capture_logs(processors=[_exception_now]) as logs:
        yield logs


def tracebacks(logs: list[dict[str, Any]]) -> int:
    failures = [
        entry
        for entry in logs
        if entry.get("event") == "handler_failed" or entry.get("log_level") in ("error", "critical")
    ]
    for entry in failures[:3]:  # what failed, for whoever reads the figures
        error = entry.get("exc_info")
        where = ""
        if isinstance(error, BaseException) and error.__traceback__ is not None:
            frames = traceback.extract_tb(error.__traceback__)
            where = " <- ".join(
                f"{'/'.join(f.filename.rsplit('/', 2)[-2:])}:{f.name}:{f.lineno}"
                for f in reversed(frames)
                if "site-packages" not in f.filename
            )
        print(f"    {entry.get('event')}: {error!r:.200} at {where}", flush=True)
    return len(failures)


async def settle(
    harness: Harness, *, quiet: float = 0.3, within: float = 900.0, idle: float = 20.0
) -> None:
    """Wait until every update the sandbox delivered was taken in and the bot went quiet
    (or nothing at all happened for ``idle`` seconds: an update that was never recorded is
    then counted by the caller, not waited for)."""
    deadline = time.monotonic() + within
    last: object = None
    last_recorded = -1
    still_since = time.monotonic()
    while time.monotonic() < deadline:
        stats = await harness.sandbox.stats()  # counts only: 10,000 updates' JSON is slow
        recorded = await updates_recorded(harness)
        calls = {k: v for k, v in stats["calls"].items() if k != "getUpdates"}
        now = (calls, stats["messages_sent"])
        if stats["pending_updates"] == 0 and recorded >= stats["updates_queued"] and now == last:
            return
        if now != last or recorded != last_recorded:
            still_since = time.monotonic()
        elif stats["pending_updates"] == 0 and time.monotonic() - still_since > idle:
            return
        last, last_recorded = now, recorded
        await asyncio.sleep(quiet)
    raise TimeoutError("the service did not settle")


async def posting(harness: Harness) -> dict[str, int]:
    """Inbound conversation items by post state, and the group's card messages."""
    async with harness.running.db.session() as session:
        rows = await session.execute(
            select(ConversationItem.post_state, func.count())
            .where(ConversationItem.direction == IN)
            .group_by(ConversationItem.post_state)
        )
        found = {state: int(count) for state, count in rows.all()}
        found["card messages"] = int(
            await session.scalar(select(func.count()).select_from(CardPost)) or 0
        )
    return found


async def cards_settled(harness: Harness, *, within: float = 300.0) -> dict[str, int]:
    """Wait until every inbound item is in the group (or failed), kicking the card poster
    as the escalate job would every 2 s; the counts by post state."""
    deadline = time.monotonic() + within
    last: dict[str, int] = {}
    while True:
        counts = await posting(harness)
        if not counts.get(PENDING) and not counts.get(CLAIMED):
            return counts
        if time.monotonic() > deadline:
            return counts  # what is still pending or claimed is reported as not in the group
        if counts == last and not counts.get(PENDING):
            # only claims whose poster failed are left: their 60 s lease runs out (the
            # clock is a fake one that moves only when told) and they are posted again
            harness.clock.advance(timedelta(seconds=61))
        last = counts
        harness.running.services.post_alerts()
        await asyncio.sleep(2.0)


async def updates_recorded(harness: Harness) -> int:
    async with harness.running.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(ReceivedUpdate)) or 0)


async def stored_counts(harness: Harness) -> tuple[int, int, int]:
    """(texts kept, (chat, message) pairs kept more than once, updates recorded)."""
    async with harness.running.db.session() as session:
        kept = int(await session.scalar(select(func.count()).select_from(InboundMessage)) or 0)
        pairs = select(InboundMessage.chat_id, InboundMessage.telegram_message_id).group_by(
            InboundMessage.chat_id, InboundMessage.telegram_message_id
        )
        doubled = int(
            await session.scalar(
                select(func.count()).select_from(pairs.having(func.count() > 1).subquery())
            )
            or 0
        )
        updates = int(await session.scalar(select(func.count()).select_from(ReceivedUpdate)) or 0)
    return kept, doubled, updates


async def prepare(harness: Harness) -> dict[str, Any]:
    """Three registered patients, the coordinators' group with a nurse and a stranger, and an
    alert posted there (a message with real buttons to press): a stated red sign gets its
    advice at once, with no question, and its alert is posted at once."""
    for patient in PATIENTS:
        await register(harness, patient, language="en" if patient % 2 else "ko")
    await harness.sandbox.ensure_user(STRANGER, "Stranger", language_code="ko")
    await harness.sandbox.ensure_group(GROUP, "Spine nurses", members=[NURSE, STRANGER])
    sent = await harness.sandbox.send_text(PATIENTS[0], "I can't pee and my legs are numb")
    advice = await harness.sandbox.wait_for_message(
        PATIENTS[0], "119", after_message_id=sent["message_id"]
    )
    posted = await harness.sandbox.wait_for_message(GROUP, is_alert)
    await settle(harness)
    return {"advice": advice, "posted": posted}


def is_alert(message: dict[str, Any]) -> bool:
    """An alert in the coordinators' group (its Acknowledge button), not a message's card."""
    return "1|ack|" in str(message)


def is_card(message: dict[str, Any]) -> bool:
    """A patient message's card in the coordinators' group (its Handled button)."""
    return "1|hdl|" in str(message)


async def fuzz(
    harness: Harness,
    inputs: int,
    *,
    seed: int = 14,
    at_once: int = 16,
    group_per_minute: float | None = None,
) -> Figures:
    """``inputs`` random inputs of every shape, from patients, a stranger and a nurse; then
    every patient item must reach the coordinators' group in some card.

    ``group_per_minute`` raises the bot's pace for the group (the sandbox's flood limits are
    off here): at Telegram's 20 a minute, the words of 10,000 random inputs (about 2 million
    characters, at least 500 messages) would take the group 45 minutes to show in full.
    """
    if group_per_minute is not None:
        pace = harness.running.application.bot.rate_limiter
        assert isinstance(pace, TelegramPace)
        pace.limits = replace(pace.limits, group_per_minute=group_per_minute)
    rng = random.Random(seed)
    scene = await prepare(harness)
    kept_before, _, _ = await stored_counts(harness)
    bot_messages = {p: (await harness.sandbox.sent_messages(p))[-1]["message_id"] for p in PATIENTS}
    sandbox, group_message = harness.sandbox, scene["posted"]["message_id"]
    shapes: dict[str, int] = {}
    plan: list[tuple[str, Callable[[], Awaitable[object]]]] = []
    for _ in range(inputs):
        shape = rng.choice(
            ("text", "command", "button", "attachment", "group_command", "group_button",
             "stranger_private")
        )  # fmt: skip
        shapes[shape] = shapes.get(shape, 0) + 1
        patient = rng.choice(PATIENTS)
        match shape:
            case "text":
                step = partial(sandbox.send_text, patient, random_text(rng))
            case "command":
                step = partial(sandbox.send_text, patient, random_command(rng))
            case "button":
                step = partial(
                    sandbox.press_button, patient, patient, bot_messages[patient],
                    random_callback(rng), force=True,
                )  # fmt: skip
            case "attachment":
                kind = rng.choice(("photo", "voice", "document", "sticker", "location"))
                step = partial(sandbox.send_attachment, patient, kind, random_text(rng)[:1024])
            case "group_command":
                who = rng.choice((NURSE, STRANGER))
                step = partial(sandbox.send_text, who, random_command(rng), chat_id=GROUP)
            case "group_button":
                who = rng.choice((NURSE, STRANGER, STRANGER))
                step = partial(
                    sandbox.press_button, who, GROUP, group_message, random_callback(rng),
                    force=True,
                )  # fmt: skip
            case _:
                text = random_text(rng) if rng.random() < 0.5 else random_command(rng)
                step = partial(sandbox.send_text, STRANGER, text)
        plan.append((shape, step))
    gate = asyncio.Semaphore(at_once)
    accepted_texts = 0
    refused_by_telegram = 0
    texts_read_as_commands = 0

    async def run(shape: str, step: Callable[[], Awaitable[object]]) -> None:
        nonlocal accepted_texts, refused_by_telegram, texts_read_as_commands
        async with gate:
            try:
                sent = await step()
            except SandboxError:
                refused_by_telegram += 1  # Telegram itself would not take it (too long, empty)
                return
        if shape == "text" and starts_with_command(sent):
            texts_read_as_commands += 1  # "/c": Telegram marks it a command, not a patient text
        elif shape in ("text", "attachment"):
            accepted_texts += 1

    started = time.perf_counter()
    with counted_errors() as logs:
        await asyncio.gather(*(run(shape, step) for shape, step in plan))
        await settle(harness)
        taken_in = time.perf_counter() - started
        # what the intake journaled (the database busy past its timeout) is replayed, as the
        # service does every SPINECARE_JOURNAL_REPLAY_SECONDS (the harness leaves it to tests)
        from bot.intake import replay_journal

        replayed = await replay_journal(harness.running.application)
        await settle(harness)
        cards = await cards_settled(harness)
    kept, doubled, _ = await stored_counts(harness)
    items = sum(count for state, count in cards.items() if state != "card messages")
    return {
        "inputs": inputs,
        "shapes": shapes,
        "not accepted by the Bot API": refused_by_telegram,
        "random texts marked as commands": texts_read_as_commands,
        "seconds": round(time.perf_counter() - started, 1),
        "taken in s": round(taken_in, 1),
        "tracebacks": tracebacks(logs),
        "patient texts": accepted_texts,
        "lost": max(accepted_texts - (kept - kept_before), 0),
        "duplicates": doubled,
        "journaled and replayed": replayed,
        "updates not recorded": max(
            (await harness.sandbox.stats())["updates_queued"] - await updates_recorded(harness), 0
        ),
        "items": items,
        "in the group": cards.get(POSTED, 0),
        "items still claimed": cards.get(CLAIMED, 0),
        "card messages": cards["card messages"],
        "group per minute": group_per_minute or PaceLimits().group_per_minute,
    }


async def duplicates(harness: Harness, texts: int) -> Figures:
    """Each of ``texts`` patient texts delivered twice (same update_id)."""
    await prepare(harness)
    kept_before, _, _ = await stored_counts(harness)
    replies_before = len(await harness.sandbox.sent_messages(PATIENTS[1]))
    with counted_errors() as logs:
        sent = [
            await harness.sandbox.send_text(PATIENTS[1], f"오늘 메모 {n}: 괜찮아요")
            for n in range(texts)
        ]
        await settle(harness)
        ids = {m["message_id"] for m in sent}
        for update in await harness.sandbox.delivered_updates():
            if (update.get("message") or {}).get("message_id") in ids and (
                update["message"]["chat"]["id"] == PATIENTS[1]
            ):
                await harness.sandbox.redeliver(update["update_id"])
        await settle(harness)
    kept, doubled, _ = await stored_counts(harness)
    replies = len(await harness.sandbox.sent_messages(PATIENTS[1])) - replies_before
    return {
        "inputs": texts * 2,
        "tracebacks": tracebacks(logs),
        "kept": kept - kept_before,
        "lost": texts - (kept - kept_before) if kept - kept_before < texts else 0,
        "duplicates": doubled + max(kept - kept_before - texts, 0),
        "replies": replies,
    }


async def outage(harness: Harness, texts: int) -> Figures:
    """``texts`` texts while the database is down; then it comes back and the journal replays."""
    from bot.intake import replay_journal

    await prepare(harness)
    kept_before, _, _ = await stored_counts(harness)
    told = 0
    with counted_errors() as logs:
        async with database_down(harness.running.db):
            for n in range(texts):
                patient = PATIENTS[n % len(PATIENTS)]
                message = await harness.sandbox.send_text(patient, f"정전 중 메모 {n}")
                await harness.sandbox.wait_for_message(
                    patient, lambda m: True, after_message_id=message["message_id"]
                )
                told += 1
        started = time.perf_counter()
        replayed = await replay_journal(harness.running.application)
        replay_s = time.perf_counter() - started
        await settle(harness)
    kept, doubled, _ = await stored_counts(harness)
    outage_errors = [e for e in logs if e.get("event") == "handler_failed"]
    return {
        "inputs": texts,
        "told received": told,
        "replayed": replayed,
        "replay s": round(replay_s, 2),
        "tracebacks": len(outage_errors),
        "lost": texts - (kept - kept_before) if kept - kept_before < texts else 0,
        "duplicates": doubled + max(kept - kept_before - texts, 0),
    }


async def stranger_flood(harness: Harness, presses: int) -> Figures:
    """A stranger presses "Acknowledge" ``presses`` times while a patient states a red sign
    (its alert opens and is posted at once) and others write. The scene is set at the
    harness's own pace; the flood runs at Telegram's: its flood limits on in the sandbox, and
    the bot's pace at Telegram's limits."""
    scene = await prepare(harness)
    pace = harness.running.application.bot.rate_limiter
    assert isinstance(pace, TelegramPace)
    pace.limits = PaceLimits()
    await harness.sandbox.set_flood_limits(FloodLimits())
    posted = scene["posted"]
    group_before = len(await harness.sandbox.sent_messages(GROUP))
    ack = button(posted, "1|ack|")
    with counted_errors() as logs:
        flood = [
            asyncio.create_task(
                harness.sandbox.press_button(STRANGER, GROUP, posted["message_id"], ack)
            )
            for _ in range(presses)
        ]
        await asyncio.sleep(0)
        stated = time.perf_counter()
        sent = await harness.sandbox.send_text(PATIENTS[1], "my legs are numb and I can't pee")
        advice = await harness.sandbox.wait_for_message(
            PATIENTS[1], "119", after_message_id=sent["message_id"]
        )
        await harness.sandbox.wait_for_message(
            GROUP,
            lambda m: is_alert(m) and m["message_id"] != posted["message_id"],
            timeout=120,
        )
        alert_delay = time.perf_counter() - stated
        reply_times = []
        for n in range(5):
            await asyncio.sleep(1.0)  # Telegram's pace for one chat is not what this measures
            started = time.perf_counter()
            message = await harness.sandbox.send_text(PATIENTS[2], f"괜찮아요 {n}")
            await harness.sandbox.wait_for_message(
                PATIENTS[2], lambda m: True, after_message_id=message["message_id"]
            )
            reply_times.append(time.perf_counter() - started)
        query_ids = await asyncio.gather(*flood)
        answers = {a["callback_query_id"]: a for a in await harness.sandbox.callback_answers()}
        await settle(harness)
    group = await harness.sandbox.sent_messages(GROUP)
    refusals_in_group = sum(1 for m in group[group_before:] if not (is_alert(m) or is_card(m)))
    return {
        "presses": presses,
        "red advice asked nothing": "reply_markup" not in advice,
        "answered privately": sum(1 for q in query_ids if q in answers),
        "refusals posted in the group": refusals_in_group,
        "red alert delay s": round(alert_delay, 2),
        "patient reply median s": round(statistics.median(reply_times), 2),
        "patient reply max s": round(max(reply_times), 2),
        "tracebacks": tracebacks(logs),
    }


def report(name: str, figures: Figures) -> None:
    print(f"  {name}: " + ", ".join(f"{key} {value}" for key, value in figures.items()), flush=True)


async def real_outage(
    harness: Harness,
    cluster: Cluster,
    *,
    seconds: float,
    reminders: int,
    every: float = 0.25,
    before: float = 0.5,
) -> Figures:
    """The service's own PostgreSQL server is stopped for ``seconds`` while patients write
    (a text every ``every`` s) and ``reminders`` fall due; then it is started again and the
    service recovers by itself (journal replay and dispatch run as they do in production).
    Dispatch runs for ``before`` s before the server stops (the first reminders go out); with
    0 it starts once the server is down, so every reminder falls due during the outage.
    Counts what was kept, read, lost, doubled and replayed."""
    from benchmarks.delivery import add_reminders, copies
    from care.storage.models import Patient

    await prepare(harness)
    kept_before, _, _ = await stored_counts(harness)
    async with harness.running.db.session() as session:
        ids = list(await session.scalars(select(Patient.id).where(Patient.chat_id.in_(PATIENTS))))
    await add_reminders(harness.running.db, ids, reminders, harness.clock.now())
    services = harness.running.services
    journal = services.journal
    received = {services.text(lang, "intake.received_later") for lang in ("en", "ko")}
    dispatch_errors = 0
    stopping = asyncio.Event()

    async def dispatch_job() -> None:  # the dispatch job, every second as in production
        nonlocal dispatch_errors
        while not stopping.is_set():
            try:
                await harness.running.scheduler.dispatch()
            except Exception:
                dispatch_errors += 1
            with contextlib.suppress(TimeoutError):  # a second, or until the drill ends
                await asyncio.wait_for(stopping.wait(), 1.0)

    async def reached() -> Counter[int]:
        return copies([m for p in PATIENTS for m in await harness.sandbox.sent_messages(p)])

    texts, told = 0, 0
    with counted_errors() as logs:
        dispatcher = asyncio.create_task(dispatch_job()) if before > 0 else None
        await asyncio.sleep(before)
        await cluster.stop()
        stopped = time.monotonic()
        sent_before = len(await reached())
        if dispatcher is None:
            dispatcher = asyncio.create_task(dispatch_job())
        while time.monotonic() - stopped < seconds:
            patient = PATIENTS[texts % len(PATIENTS)]
            message = await harness.sandbox.send_text(patient, f"{OUTAGE_TEXT} {texts}")
            texts += 1
            with contextlib.suppress(TimeoutError):
                answer = await harness.sandbox.wait_for_message(
                    patient, lambda m: True, after_message_id=message["message_id"], timeout=10
                )
                told += answer.get("text") in received
            await asyncio.sleep(every)
        journaled = len(journal.path.read_text().splitlines()) if journal.path.exists() else 0
        await cluster.start()
        restarted = time.monotonic()
        texts_back: float | None = None
        reminders_back: float | None = None
        while time.monotonic() - restarted < 120:
            kept, _, _ = await _counts_or_none(harness) or (0, 0, 0)
            if texts_back is None and kept - kept_before >= texts:
                texts_back = time.monotonic() - restarted
            if reminders_back is None and len(await reached()) >= reminders:
                reminders_back = time.monotonic() - restarted
            if texts_back is not None and reminders_back is not None:
                break
            await asyncio.sleep(0.25)
        stopping.set()
        await dispatcher
        await settle(harness)
    kept, doubled, _ = await stored_counts(harness)
    delivered = await reached()
    handler_errors = [e for e in logs if e.get("event") == "handler_failed"]
    return {
        "outage s": seconds,
        "texts during the outage": texts,
        "told received": told,
        "journaled": journaled,
        "texts kept": kept - kept_before,
        "texts read after": await _read(harness),
        "lost": max(texts - (kept - kept_before), 0),
        "duplicates": doubled + max(kept - kept_before - texts, 0),
        "reminders due": reminders,
        "reminders sent before the stop": sent_before,
        "reminders delivered": len(delivered),
        "reminders lost": reminders - len(delivered),
        "reminder copies (bound 2)": max(delivered.values(), default=0),
        "dispatch runs that failed while down": dispatch_errors,
        "handler tracebacks": len(handler_errors),
        "texts all kept s after": None if texts_back is None else round(texts_back, 1),
        "reminders all sent s after": None if reminders_back is None else round(reminders_back, 1),
    }


OUTAGE_TEXT = "서버 정지 중 메모"


async def _read(harness: Harness) -> int:
    """The outage's texts the reader went through (their tier is set once read)."""
    async with harness.running.db.session() as session:
        return int(
            await session.scalar(
                select(func.count()).where(
                    InboundMessage.text.startswith(OUTAGE_TEXT), InboundMessage.tier.is_not(None)
                )
            )
            or 0
        )


async def _counts_or_none(harness: Harness) -> tuple[int, int, int] | None:
    try:
        return await stored_counts(harness)
    except Exception:  # the server is still starting
        return None
