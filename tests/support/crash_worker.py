"""A dispatcher process for the crash tests: ``python -m tests.support.crash_worker URL API_URL``.

Dispatches every due message through the real Bot (PTB over HTTP) and exits when none is
left. ``--clock-offset`` shifts its clock forward, standing in for the time a restarted
worker waits for a dead worker's leases to expire.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import UTC, datetime, timedelta

import structlog
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.messenger import TelegramMessenger
from care.storage.db import Database
from tests.support.parts import build_dispatcher

TOKEN = "123456:SANDBOX"


class ShiftedClock:
    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def dispatch_all(args: argparse.Namespace) -> None:
    db = Database(args.database_url)
    request = HTTPXRequest(connection_pool_size=16, read_timeout=10.0)
    async with Bot(TOKEN, base_url=args.api_url, request=request) as bot:
        worker = build_dispatcher(
            db,
            TelegramMessenger(bot),
            ShiftedClock(timedelta(seconds=args.clock_offset)),
            worker_id=args.worker_id,
            batch=args.batch,
            lease=timedelta(seconds=args.lease),
        )
        while (await worker.run_until_idle(max_batches=1_000)).claimed:
            pass
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--worker-id", default="crash-worker")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--clock-offset", type=float, default=0.0)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    asyncio.run(dispatch_all(parser.parse_args()))


if __name__ == "__main__":
    main()
