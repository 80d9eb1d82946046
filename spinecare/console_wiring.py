"""Serve the care team's web console inside the service's event loop (composition only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import structlog
from aiohttp import web

from bot.messenger import TelegramMessenger
from bot.services import BotServices
from care.domain.clock import Clock, SystemClock
from care.settings import Settings
from care.storage.db import Database
from console.server import build_app
from console.services import ConsoleConfig, ConsoleServices
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
    settings, services = running.settings, running.services
    return ConsoleServices(
        db=running.db,
        clock=running.clock,
        catalog=services.catalog,
        pathway=services.pathway,
        messenger=TelegramMessenger(running.application.bot),
        config=ConsoleConfig(
            coordinator_ids=frozenset(settings.coordinator_ids),
            default_language=settings.language,
            timezone=settings.timezone,
            public_url=settings.console_public_url,
            coordinator_chat_id=settings.coordinator_chat_id,
            emergency_number=settings.emergency_number,
            clinic_phone=settings.clinic_phone,
        ),
        wall=wall or SystemClock(),
        demo=running.demo,
        questionnaire=services.questionnaire,
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
