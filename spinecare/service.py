"""The running service: wires settings, database, bot, scheduler (and the sandbox without a token).

This is the composition root: nothing else builds these objects.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal

import structlog
from telegram.ext import Application

from bot.app import build_application
from bot.handlers import HANDLED_UPDATES, publish_commands
from bot.intake import replay_forever
from bot.messenger import TelegramMessenger
from bot.services import BotConfig, BotServices
from bot.webhook import start_webhook
from care.domain.clock import Clock, ShiftedClock, SystemClock
from care.domain.errors import ConfigError
from care.domain.faq import load_faq
from care.domain.pathway import load_pathway
from care.domain.triage.checkin import load_checkin_rules
from care.domain.triage.rules import load_free_text_rules
from care.domain.triage.signs import load_signs
from care.settings import Settings
from care.storage import migrate
from care.storage.db import Database
from care.storage.journal import Journal
from messages.catalog import load_catalog
from scheduler.runner import SchedulerConfig, SchedulerRunner
from spinecare.console_wiring import serve_console
from spinecare.demo import DemoClock

log = structlog.get_logger(__name__)

Role = Literal["all", "bot", "worker"]
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


def bot_config(settings: Settings) -> BotConfig:
    return BotConfig(
        default_language=settings.language,
        default_timezone=settings.timezone,
        emergency_number=settings.emergency_number,
        clinic_phone=settings.clinic_phone,
        coordinator_chat_id=settings.coordinator_chat_id,
        coordinator_ids=frozenset(settings.coordinator_ids),
        invite_ttl_days=settings.invite_ttl_days,
        realert=settings.realert_after,
        default_window=(settings.waking_start, settings.waking_end),
        console_url=settings.console_public_url,
        office_hours=settings.hours,
    )


SANDBOX_COORDINATOR_CHAT = -1000000000001


def check_alert_route(settings: Settings) -> Settings:
    """Alerts must reach people: a real bot needs the coordinators' chat; the sandbox has one."""
    if settings.coordinator_chat_id is not None:
        return settings
    if not settings.uses_sandbox:
        raise ConfigError(
            "SPINECARE_COORDINATOR_CHAT_ID: required with a real token, or warning signs "
            "would reach nobody; add the bot to the coordinators' group and set its id"
        )
    return settings.model_copy(update={"coordinator_chat_id": SANDBOX_COORDINATOR_CHAT})


def check_role(settings: Settings, role: Role) -> None:
    if role != "all" and Database(settings.database_url).is_sqlite:
        raise ConfigError(
            f"SPINECARE_DATABASE_URL: --role {role} means several processes, which need "
            "PostgreSQL (postgresql+asyncpg://...); SQLite serves one process with --role all"
        )


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
        db = Database(settings.database_url)
        stack.push_async_callback(db.dispose)
        questionnaire = settings.questionnaire
        catalog = load_catalog()
        if questionnaire is not None:
            catalog = catalog.with_texts(questionnaire.texts)
        pathway = load_pathway()
        # Clinicians edit the triage tables: a mistake stops start-up here rather than at a
        # patient's first message, which would also pay the rules' load time (about 0.3 s).
        load_free_text_rules()
        load_checkin_rules()
        load_signs()
        load_faq()
        services = BotServices(
            db=db,
            clock=clock,
            catalog=catalog,
            config=bot_config(settings),
            pathway=pathway,
            questionnaire=questionnaire,
            journal=Journal(settings.journal_path),
        )
        application = build_application(token=token, base_url=api_url, services=services)
        await application.initialize()
        stack.push_async_callback(application.shutdown)
        if role in ("all", "bot"):
            await publish_commands(application, services)
        await application.start()
        stack.push_async_callback(application.stop)
        messenger = TelegramMessenger(application.bot)
        scheduler = SchedulerRunner(
            db,
            messenger,
            clock,
            pathway,
            SchedulerConfig.from_settings(settings),
            role=role,
            catalog=catalog,
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
