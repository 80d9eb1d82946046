"""The input drills, sized by the caller: small in `make test`, full size in `make bench`.

Each drives the real service (python-telegram-bot over HTTP against the sandbox) and returns
its figures; ``report`` prints them. Tracebacks are counted from the service's own log: an
update that raised reaches the error handler ("handler_failed"), anything else logged at
error level counts too.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from sqlalchemy import func, select
from structlog.testing import capture_logs

from care.storage.models import InboundMessage, ReceivedUpdate
from sandbox import FloodLimits
from sandbox.client import SandboxError
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


def random_command(rng: random.Random) -> str:
    command = rng.choice(COMMANDS)
    return command if rng.random() < 0.4 else f"{command} {random_text(rng)[:200]}"


@contextmanager
def counted_errors() -> Iterator[list[dict[str, Any]]]:
    with capture_logs() as logs:
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
                f"{f.filename.rsplit('/', 2)[-2]}/{f.name}:{f.lineno}"
                for f in reversed(frames)
                if "site-packages" not in f.filename
            )
        print(f"    {entry.get('event')}: {error!r:.200} at {where}", flush=True)
    return len(failures)


async def settle(harness: Harness, *, quiet: float = 0.3, within: float = 900.0) -> None:
    """Wait until every update the sandbox delivered was taken in and the bot went quiet."""
    deadline = time.monotonic() + within
    last: object = None
    while time.monotonic() < deadline:
        stats = await harness.sandbox.stats()
        delivered = {u["update_id"] for u in await harness.sandbox.delivered_updates()}
        _, _, recorded = await stored_counts(harness)
        calls = {k: v for k, v in stats["calls"].items() if k != "getUpdates"}
        now = (calls, stats["messages_sent"])
        if stats["pending_updates"] == 0 and recorded >= len(delivered) and now == last:
            return
        last = now
        await asyncio.sleep(quiet)
    raise TimeoutError("the service did not settle")


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


async def fuzz(harness: Harness, inputs: int, *, seed: int = 14, at_once: int = 16) -> Figures:
    """``inputs`` random inputs of every shape, from patients, a stranger and a nurse."""
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

    async def run(shape: str, step: Callable[[], Awaitable[object]]) -> None:
        nonlocal accepted_texts, refused_by_telegram
        async with gate:
            try:
                await step()
            except SandboxError:
                refused_by_telegram += 1  # Telegram itself would not take it (too long, empty)
                return
        if shape in ("text", "attachment"):
            accepted_texts += 1

    started = time.perf_counter()
    with counted_errors() as logs:
        await asyncio.gather(*(run(shape, step) for shape, step in plan))
        await settle(harness)
    kept, doubled, _ = await stored_counts(harness)
    return {
        "inputs": inputs,
        "shapes": shapes,
        "not accepted by the Bot API": refused_by_telegram,
        "seconds": round(time.perf_counter() - started, 1),
        "tracebacks": tracebacks(logs),
        "patient texts": accepted_texts,
        "lost": max(accepted_texts - (kept - kept_before), 0),
        "duplicates": doubled,
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
    (its alert opens and is posted at once) and others write; Telegram's flood limits on."""
    await harness.sandbox.set_flood_limits(FloodLimits())
    scene = await prepare(harness)
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
