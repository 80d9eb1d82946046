"""`make bench`: Spinecare's speed and memory figures. Prints medians; asserts nothing.

1. start-up time and memory with 0, 1,000 and 10,000 patients (flat: no per-patient jobs)
2. dispatch throughput: 2,000 due messages claimed, rendered and recorded (SQLite, PostgreSQL)
3. the free-text classifier: time per message over the labelled test messages
4. /start answered through the local Bot API sandbox and the real python-telegram-bot stack
5. delivery drills (benchmarks/delivery.py): the bot's pace against Telegram's limits (one
   worker and two), Telegram faults, SIGKILLs during dispatch; each prints messages, lost,
   duplicates against the bound, 429s and msg/s against the cap
6. the input drills of issue 14 at full size (benchmarks/input_drills.py)
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks import input_drills
from benchmarks.fixtures import NOW, CountingMessenger, database_with_patients, due_messages
from care.domain.clock import FakeClock
from care.settings import Settings
from messages.catalog import load_catalog
from scheduler.dispatcher import Dispatcher
from spinecare.logs import configure_logging

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 3


def header(title: str) -> None:
    print(f"\n== {title}")


def startup_and_memory() -> None:
    header("1. start-up and memory against the number of patients (SQLite; median of 3 runs)")
    print(f"{'patients':>9} {'start-up s':>11} {'RSS MB':>8} {'extend 3 days s':>16} {'rows':>8}")
    for patients in (0, 1_000, 10_000):
        runs = []
        for _ in range(REPEATS):
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.startup", str(patients)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"{patients:>9} {med['startup_s']:>11.2f} {med['rss_mb']:>8.1f} "
            f"{med['extend_s']:>16.2f} {int(med['rows']):>8}"
        )


async def dispatch_once(url: str, messages: int) -> float:
    db = await database_with_patients(url, 500)
    await due_messages(db, messages)
    messenger = CountingMessenger()
    dispatcher = Dispatcher(
        db, messenger, FakeClock(NOW), worker_id="bench", catalog=load_catalog(), escalator=None
    )
    started = time.perf_counter()
    await dispatcher.run_until_idle(max_batches=10_000)
    elapsed = time.perf_counter() - started
    await db.dispose()
    assert messenger.sent == messages, f"sent {messenger.sent} of {messages}"
    return messages / elapsed


def rate_line(rates: list[float]) -> str:
    runs = ", ".join(f"{rate:.0f}" for rate in rates)
    return f"{statistics.median(rates):8.0f} msgs/s  (runs {runs})"


async def dispatch_throughput() -> None:
    header("2. dispatch: 2,000 due messages claimed, rendered, recorded (median of 3, msgs/s)")
    with tempfile.TemporaryDirectory() as directory:
        rates = [
            await dispatch_once(f"sqlite+aiosqlite:///{directory}/d{i}.db", 2000)
            for i in range(REPEATS)
        ]
    print(f"  SQLite:     {rate_line(rates)}")
    url = os.environ.get("SPINECARE_TEST_POSTGRES_URL")
    if not url:
        print("  PostgreSQL: not measured (SPINECARE_TEST_POSTGRES_URL is not set)")
        return
    from tests.databases import PostgresTemplate

    template = PostgresTemplate(url)
    rates = []
    for _ in range(REPEATS):
        fresh = await template.fresh_database()
        try:
            rates.append(await dispatch_once(fresh, 2000))
        finally:
            await template.drop(fresh)
    print(f"  PostgreSQL: {rate_line(rates)}")


def classifier_speed() -> None:
    header("3. free-text classifier over the labelled messages")
    from care.domain.triage import classify

    data = yaml.safe_load(
        (ROOT / "tests/triage/labelled_messages.yaml").read_text(encoding="utf-8")
    )
    items = data["messages"] if isinstance(data, dict) else data
    texts = [item["text"] for item in items]
    started = time.perf_counter()
    classify(texts[0])
    cold = time.perf_counter() - started
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for text in texts:
            classify(text)
        rounds.append((time.perf_counter() - started) / len(texts))
    print(f"  first call (loads the rules): {cold * 1000:.0f} ms")
    median_us = statistics.median(rounds) * 1e6
    print(f"  per message: median {median_us:.0f} µs over {len(texts)} messages x 5 rounds")


async def start_round_trip() -> None:
    header("4. /start through the sandbox and the real PTB Application (30 round trips)")
    from sandbox import FloodLimits, SandboxClient
    from spinecare.service import start_service

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{directory}/rt.db",
            telegram_token=None,
            _env_file=None,
        )
        async with start_service(
            settings,
            clock=FakeClock(NOW),
            sandbox_port=0,
            sandbox_options={"flood_limits": FloodLimits(enabled=False)},
            start_jobs=False,
        ) as running:
            assert running.sandbox_control_url is not None
            async with SandboxClient(running.sandbox_control_url) as client:
                timings = []
                for user in range(30):
                    await client.ensure_user(50_000 + user, "Bench", language_code="ko")
                    started = time.perf_counter()
                    sent = await client.send_text(50_000 + user, "/start")
                    await client.wait_for_message(
                        50_000 + user, "병원", after_message_id=sent["message_id"]
                    )
                    timings.append(time.perf_counter() - started)
    timings.sort()
    median_ms, p90_ms = statistics.median(timings) * 1000, timings[26] * 1000
    print(f"  median {median_ms:.0f} ms, p90 {p90_ms:.0f} ms, max {timings[-1] * 1000:.0f} ms")
    print("  (target: answered within 2,000 ms)")


PACE_MESSAGES = 1_500
CRASH_MESSAGES, CRASH_KILLS = 6_000, 40  # the drill: 40 SIGKILLs during 6,000 due messages


def load() -> str:
    """The machine's load average (1 minute): pacing figures depend on it."""
    return f"load {os.getloadavg()[0]:.1f}"


async def pace_runs(url: str | None, kind: str, workers: int) -> None:
    """``REPEATS`` runs of one pace drill (a fresh database each); each line, then the median."""
    from benchmarks import delivery

    results = []
    for _ in range(REPEATS):
        before = load()
        if url is None:
            with tempfile.TemporaryDirectory() as directory:
                result = await delivery.pace_run(
                    f"sqlite+aiosqlite:///{directory}/pace.db", kind=kind,  # type: ignore[arg-type]
                    messages=PACE_MESSAGES, patients=PACE_MESSAGES,
                )  # fmt: skip
        else:
            from tests.databases import PostgresTemplate

            template = PostgresTemplate(url)
            fresh = await template.fresh_database()
            try:
                result = await delivery.pace_run(
                    fresh, kind=kind, messages=PACE_MESSAGES, patients=PACE_MESSAGES,  # type: ignore[arg-type]
                    workers=workers,
                )  # fmt: skip
            finally:
                await template.drop(fresh)
        results.append(result)
        print(f"  {result.line()}  ({before} -> {load()})", flush=True)
    rates = sorted(r.rate / delivery.CAP for r in results)
    flood = sorted(r.flood_429 for r in results)
    print(
        f"    median of {REPEATS}: {statistics.median(rates):.3f} of the cap, "
        f"429s {statistics.median(flood):.0f} (runs {', '.join(f'{x:.3f}' for x in rates)})"
    )


async def delivery_drills() -> None:
    from benchmarks import delivery

    header("5. delivery drills (sandbox in its own process, Telegram's limits on)")
    await pace_runs(None, "reminders", 1)
    url = os.environ.get("SPINECARE_TEST_POSTGRES_URL")
    if not url:
        print("  PostgreSQL drills: not run (SPINECARE_TEST_POSTGRES_URL is not set)")
        return
    from tests.databases import PostgresTemplate

    for kind, workers in (("reminders", 1), ("reminders", 2), ("broadcast", 1), ("broadcast", 2)):
        await pace_runs(url, kind, workers)
    template = PostgresTemplate(url)
    fresh = await template.fresh_database()
    try:
        faults = await delivery.faults_drill(fresh, messages=1_000, patients=500)
        print(f"  {faults.line()}")
    finally:
        await template.drop(fresh)
    fresh = await template.fresh_database()
    try:
        started = time.perf_counter()
        crash = await delivery.crash_drill(fresh, messages=CRASH_MESSAGES, kills=CRASH_KILLS)
        print(f"  {crash.line()}; took {time.perf_counter() - started:.0f} s ({load()})")
    finally:
        await template.drop(fresh)


def main() -> None:
    configure_logging("WARNING")  # a log line per message would measure the terminal
    print("Spinecare benchmarks (figures vary with the machine; compare medians and ratios)")
    startup_and_memory()
    asyncio.run(dispatch_throughput())
    classifier_speed()
    asyncio.run(start_round_trip())
    asyncio.run(delivery_drills())
    asyncio.run(input_drills.main())


if __name__ == "__main__":
    main()
