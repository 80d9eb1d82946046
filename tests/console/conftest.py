"""One running service with its console for the browser tests, and one Chromium per module.

The service (real python-telegram-bot against the in-process sandbox, SQLite, the console on
a free port) runs in a thread of its own with its own event loop; the tests drive Chromium
through Playwright's sync API and reach into the service with ``server.run(coroutine)``.
Chromium is Debian's (/usr/bin/chromium): Playwright's own browser download is not used.
A missing browser fails the tests (CI installs it; see .ci/run): they never skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from care.domain.clock import FakeClock
from care.settings import Settings
from care.usecases import console_access
from sandbox import FloodLimits, SandboxClient
from spinecare.console_wiring import serve_console
from spinecare.service import Running, start_service
from tests.databases import SqliteTemplate
from tests.e2e.conftest import UNPACED, Harness, set_pace
from tests.support.telegram import (
    BotApiCall,
    fail_on_calls_inside_a_unit_of_work,
    watch_bot_api_calls,
)

T = TypeVar("T")
NURSE = 9001
OTHER_NURSE = 9002
CHROMIUM = os.environ.get("SPINECARE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
START = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # 10:00 in Seoul, day 1 after a 2026-11-20 surgery


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ConsoleServer:
    """The service and its console in a background event loop."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.clock = FakeClock(START)  # the care clock: moved by the tests and the demo clock
        self.wall = FakeClock(START)  # the console's own clock: links and idle sessions
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self._ready: Future[None] = Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, name="console-server", daemon=True)
        self.running: Running | None = None
        self.sandbox: SandboxClient | None = None
        self.bot_api_calls: list[BotApiCall] = []  # none may be inside a unit of work

    def start(self) -> None:
        self._thread.start()
        self._ready.result(timeout=60)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        settings = Settings(
            database_url=self.database_url,
            telegram_token=None,
            coordinator_chat_id=-1001,
            coordinator_ids=[NURSE, OTHER_NURSE],
            console_listen=f"127.0.0.1:{self.port}",
            _env_file=None,  # type: ignore[call-arg]
        )
        try:
            async with (
                start_service(
                    settings,
                    clock=self.clock,
                    sandbox_port=0,
                    sandbox_options={"flood_limits": FloodLimits(enabled=False)},
                    start_jobs=False,
                ) as running,
                serve_console(running, listen=settings.console_listen, wall=self.wall),
            ):
                assert running.sandbox_control_url is not None
                self.bot_api_calls = watch_bot_api_calls(running.application.bot)
                set_pace(running, UNPACED)  # Telegram's flood limits are off too
                async with SandboxClient(running.sandbox_control_url) as client:
                    self.running, self.sandbox = running, client
                    self._ready.set_result(None)
                    await self._stop.wait()
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            raise

    def run(self, work: Callable[[], Awaitable[T]], timeout: float = 60) -> T:
        """Run ``work()`` in the server's loop and return its result."""

        async def call() -> T:
            return await work()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout)

    def harness(self) -> Harness:
        assert self.running is not None and self.sandbox is not None
        return Harness(self.running, self.sandbox, self.clock, self.bot_api_calls)

    def link(self, coordinator: int = NURSE) -> str:
        """A fresh one-time sign-in link, as /console or ``spinecare console-link`` gives."""
        assert self.running is not None
        running = self.running
        token = self.run(
            lambda: console_access.issue_link(
                running.db,
                coordinator_id=coordinator,
                listed=running.settings.coordinator_ids,
                actor="test",
                now=self.wall.now(),
            )
        )
        return f"{self.url}/signin?token={token}"

    def tick(self) -> Any:
        assert self.running is not None
        running = self.running
        return self.run(running.scheduler.tick)

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


@pytest.fixture(scope="session")
def server(sqlite_template: SqliteTemplate) -> Iterator[ConsoleServer]:
    found = ConsoleServer(sqlite_template.clone())
    found.start()
    yield found
    found.stop()


@pytest.fixture(autouse=True)
def no_telegram_call_inside_a_unit_of_work(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that drives the shared service fails if its bot called Telegram while a unit of
    work was open (only the calls made during this test count)."""
    if "server" not in request.fixturenames:
        yield
        return
    server: ConsoleServer = request.getfixturevalue("server")
    first = len(server.bot_api_calls)
    yield
    fail_on_calls_inside_a_unit_of_work(server.bot_api_calls[first:])


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module: Playwright's sync API holds the main thread's event loop
    while it runs, so it must stop before the next module's asyncio tests."""
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) at 1280 px; a screenshot of the last page after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: Page, server: ConsoleServer, coordinator: int = NURSE) -> None:
    page.goto(server.link(coordinator))
    page.click("#signin")
    page.wait_for_url(f"{server.url}/today")


def later(server: ConsoleServer, minutes: int) -> None:
    server.clock.advance(timedelta(minutes=minutes))
