"""The running service: starts and stops the parts spinecare/bootstrap.py builds (the bot, the
scheduler, the sandbox without a token), in order, and stops them in reverse order.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

import structlog
from telegram.ext import Application

from bot.app import build_application
from bot.handlers import HANDLED_UPDATES, publish_commands
from bot.intake import replay_forever
from bot.messenger import TelegramMessenger
from bot.services import BotServices
from bot.webhook import start_webhook
from care.domain.clock import Clock, ShiftedClock, SystemClock
from care.settings import Settings
from care.storage import migrate
from care.storage.db import Database
from scheduler.runner import Role, SchedulerConfig, SchedulerRunner
from spinecare.bootstrap import (
    build_bot_services,
    build_core,
    build_scheduler,
    check_alert_route,
    check_role,
)
from spinecare.console_wiring import serve_console
from spinecare.demo import DemoClock

log = structlog.get_logger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX-spinecare"


@dataclass
class Running:
    """What a started service exposes (tests and the CLI read it)."""

    settings: Settings
    db: Database
    application: Application  # type: ignore[type-arg]
    scheduler: SchedulerRunner
    api_url: str
    sandbox_control_url: str | None
    clock: Clock
    services: BotServices
    demo: DemoClock | None = None  # the sandbox's demo clock; None with a real token


@asynccontextmanager
async def start_service(
    settings: Settings,
    *,
    role: Role = "all",
    clock: Clock | None = None,
    sandbox_port: int | None = None,
    sandbox_options: dict[str, Any] | None = None,
    start_jobs: bool = True,
) -> AsyncIterator[Running]:
    """Start everything the role needs; stop it all, in reverse order, on exit.

    With ``start_jobs=False`` the scheduler's interval jobs do not run: tests drive them with
    ``running.scheduler.tick()`` and a FakeClock instead.
    """
    check_role(settings, role)
    settings = check_alert_route(settings)
    # Without a token the care clock is the demo clock: the console and the chat page move it.
    clock = clock or (ShiftedClock() if settings.uses_sandbox else SystemClock())
    await migrate.upgrade(settings.database_url)
    async with AsyncExitStack() as stack:
        token, api_url, control_url, sandbox = await _telegram_endpoint(
            settings, stack, sandbox_port, sandbox_options or {}
        )
        core = build_core(settings, clock)
        db = core.db
        stack.push_async_callback(db.dispose)
        services = build_bot_services(core)
        application = build_application(token=token, base_url=api_url, services=services)
        await application.initialize()
        stack.push_async_callback(application.shutdown)
        if role in ("all", "bot"):
            await publish_commands(application, services)
        await application.start()
        stack.push_async_callback(application.stop)
        messenger = TelegramMessenger(application.bot)
        scheduler = build_scheduler(
            db,
            messenger,
            clock,
            core.pathway,
            core.catalog,
            SchedulerConfig.from_settings(settings),
            role=role,
            card_messenger=messenger,
        )
        if scheduler.dispatches:
            services.post_alerts.target = scheduler.escalate
            stack.push_async_callback(services.post_alerts.drain)
        if start_jobs:
            scheduler.start()
            stack.push_async_callback(scheduler.shutdown)
        demo = None
        if sandbox is not None and scheduler.dispatches and _controllable(clock):
            demo = DemoClock(clock, db, scheduler.tick)  # type: ignore[arg-type]
            sandbox.control.demo_clock = demo
        if role in ("all", "bot"):
            replayer = asyncio.create_task(
                replay_forever(application, settings.journal_replay_seconds)
            )
            stack.push_async_callback(_cancel, replayer)
            await _receive_updates(application, settings, stack)
        log.info("service_started", action="start", role=role, api=_public(api_url))
        yield Running(
            settings, db, application, scheduler, api_url, control_url, clock, services, demo
        )
        log.info("service_stopping", action="stop", role=role)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def _receive_updates(
    application: Application,  # type: ignore[type-arg]
    settings: Settings,
    stack: AsyncExitStack,
) -> None:
    """Long polling, or a webhook when SPINECARE_WEBHOOK_URL is set."""
    if settings.webhook_url is not None and settings.webhook_secret is not None:
        runner = await start_webhook(
            application,
            url=settings.webhook_url,
            secret=settings.webhook_secret,
            listen=settings.webhook_listen,
        )
        stack.push_async_callback(runner.cleanup)
        return
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0,
        timeout=10,
        drop_pending_updates=False,
        allowed_updates=list(HANDLED_UPDATES),
    )
    stack.push_async_callback(application.updater.stop)


def _controllable(clock: Clock) -> bool:
    return callable(getattr(clock, "advance", None)) and callable(getattr(clock, "set", None))


async def _telegram_endpoint(
    settings: Settings, stack: AsyncExitStack, port: int | None, options: dict[str, Any]
) -> tuple[str, str, str | None, Any]:
    if settings.telegram_token is not None:
        return settings.telegram_token, settings.telegram_api_url, None, None
    from sandbox import BotApiSandbox, SandboxClient  # the sandbox is only ever wired here

    sandbox = BotApiSandbox(token=SANDBOX_TOKEN, **options)
    await sandbox.start(host="127.0.0.1", port=settings.sandbox_port if port is None else port)
    if settings.coordinator_chat_id is not None:
        async with SandboxClient(sandbox.control_url) as client:
            await client.ensure_group(
                settings.coordinator_chat_id,
                "Spinecare coordinators (sandbox)",
                members=settings.coordinator_ids,
                chat_type="supergroup",
            )
    stack.push_async_callback(sandbox.stop)
    return SANDBOX_TOKEN, str(sandbox.api_url), str(sandbox.control_url), sandbox


def _public(api_url: str) -> str:
    return api_url.split("/bot")[0]


async def run_until_stopped(settings: Settings, role: Role) -> None:
    """``spinecare run``: start, print where the sandbox is, wait for SIGTERM or Ctrl-C."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with AsyncExitStack() as stack:
        running = await stack.enter_async_context(start_service(settings, role=role))
        if role in ("all", "bot"):  # workers send; the console is served with the bot
            console_url = await stack.enter_async_context(
                serve_console(running, listen=settings.console_listen)
            )
            print(f"Care team console: {console_url} (sign in: /console to the bot)", flush=True)
        if running.sandbox_control_url is not None:
            print(
                f"No SPINECARE_TELEGRAM_TOKEN: running against the local Telegram sandbox.\n"
                f"  Bot API:     {running.api_url}<token>/<method>\n"
                f"  Control API: {running.sandbox_control_url}\n"
                f"  Chat page:   {running.sandbox_control_url}/chat\n"
                f"  Demo clock:  on the chat page and in the console\n"
                f"Press Ctrl-C to stop.",
                flush=True,
            )
        await stop.wait()
