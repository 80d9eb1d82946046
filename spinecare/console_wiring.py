"""Serve the care team's web console inside the service's event loop (composition only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import structlog
from aiohttp import web

from bot.messenger import TelegramMessenger
from bot.services import BotServices
from care.domain.clock import Clock
from care.settings import Settings
from care.storage.db import Database
from console.server import build_app
from console.services import ConsoleServices
from spinecare.bootstrap import build_console_services
from spinecare.demo import DemoClock


class Running(Protocol):
    """The parts of a started service the console needs (spinecare.service.Running has them)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def services(self) -> BotServices: ...
    @property
    def application(self) -> Any: ...
    @property
    def demo(self) -> DemoClock | None: ...


log = structlog.get_logger(__name__)


def console_services(running: Running, *, wall: Clock | None = None) -> ConsoleServices:
    return build_console_services(
        running.settings,
        running.services,
        TelegramMessenger(running.application.bot),
        demo=running.demo,
        wall=wall,
    )


@asynccontextmanager
async def serve_console(
    running: Running, *, listen: str, wall: Clock | None = None
) -> AsyncIterator[str]:
    """Listen on ``host:port`` (port 0: any free port); yields the console's address."""
    host, _, port = listen.rpartition(":")
    host = host or "127.0.0.1"
    runner = web.AppRunner(
        build_app(console_services(running, wall=wall)), access_log=None, shutdown_timeout=1.0
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, int(port)).start()
        bound = runner.addresses[0][1]
        url = f"http://{host}:{bound}"
        log.info("console_started", action="console.start", listen=f"{host}:{bound}")
        yield url
    finally:
        await runner.cleanup()
