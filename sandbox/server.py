"""BotApiSandbox: the aiohttp server that hosts the Bot API, file downloads and the control API."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox import chat_page, errors
from sandbox.botapi import BotApi, sleep_unless_closing
from sandbox.control import ControlApi
from sandbox.errors import BotApiError
from sandbox.faults import Faults
from sandbox.flood import FloodControl, FloodLimits
from sandbox.params import read_params
from sandbox.state import SandboxState, User
from sandbox.stats import Stats
from sandbox.webhook import WebhookSender

_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
MAX_UPLOAD = 50 * 1024 * 1024
log = logging.getLogger(__name__)


class BotApiSandbox:
    """A local Telegram Bot API server; `async with BotApiSandbox() as sandbox:` runs it."""

    def __init__(
        self,
        token: str = "123456:SANDBOX",
        bot_username: str = "spinecare_sandbox_bot",
        flood_limits: FloodLimits | None = None,
        *,
        bot_first_name: str = "Spinecare Sandbox",
        privacy_mode: bool = True,
        callback_query_ttl: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not _TOKEN.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        bot = User(
            id=int(token.split(":", 1)[0]),
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
        )
        self.state = SandboxState(bot, clock=clock)
        self.flood = FloodControl(flood_limits or FloodLimits())
        self.faults = Faults()
        self.stats = Stats()
        self.api = BotApi(
            self.state,
            self.flood,
            privacy_mode=privacy_mode,
            callback_query_ttl=callback_query_ttl,
        )
        self.control = ControlApi(self.api, self.faults, self.stats)
        self.webhook = WebhookSender(self.api, self.stats)
        self._runner: web.AppRunner | None = None
        self._base = ""

    # lifecycle

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.add_routes(self.control.routes("/sandbox"))
        app.add_routes(chat_page.routes("/sandbox"))
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_route("*", "/bot{token}/", self._no_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api.closing = False
        self._runner = web.AppRunner(self.build_app(), shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self._base = f"http://{host}:{bound[1]}"
        self.webhook.start()

    async def stop(self) -> None:
        self.api.closing = True
        self.state.changes.notify()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiSandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # addresses

    @property
    def url(self) -> str:
        if not self._base:
            raise RuntimeError("the sandbox is not started")
        return self._base

    @property
    def api_url(self) -> str:
        """python-telegram-bot's `base_url`: it appends the token and the method."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """python-telegram-bot's `base_file_url`."""
        return f"{self.url}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self.url}/sandbox"

    @property
    def chat_url(self) -> str:
        """The browser chat page: act as patients and coordinators without code."""
        return f"{self.control_url}/chat"

    # Bot API routes

    def _check_token(self, token: str) -> None:
        if token != self.token:
            raise errors.unauthorized() if _TOKEN.fullmatch(token) else errors.not_found()

    async def _bot_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.stats.calls[method] += 1
        fault = None
        try:
            self._check_token(request.match_info["token"])
            if method.lower() not in self.api.methods:
                raise errors.not_found()
            fault = self.faults.take(method.lower())
            error = fault.error() if fault is not None else None
            if fault is not None:
                self.stats.faults_injected += 1
            if fault is not None and error is not None:  # refused (late), nothing carried out
                if fault.delay:
                    await sleep_unless_closing(self.api, fault.delay)
                if fault.drop:
                    return self._drop(request)
                raise error
            params = await read_params(request)
            reply = await self.api.call(method, params)
            if fault is not None:  # carried out; the answer comes late, or never
                if fault.delay:
                    await sleep_unless_closing(self.api, fault.delay)
                if fault.drop:
                    return self._drop(request)
        except BotApiError as error:
            if error.error_code == 429 and fault is None:
                self.stats.flood_429 += 1
            return self._answer(error.payload(), error.error_code)
        except Exception:
            log.exception("sandbox: %s failed", method)
            return self._answer(BotApiError(500, "Internal Server Error").payload(), 500)
        body: dict[str, Any] = {"ok": True, "result": reply.result}
        if reply.description:
            body["description"] = reply.description
        return self._answer(body, 200)

    def _drop(self, request: web.Request) -> web.Response:
        """Close the connection without an answer (the client sees it dropped)."""
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=204)

    def _answer(self, body: dict[str, Any], status: int) -> web.Response:
        self.stats.statuses[status] += 1
        return web.json_response(body, status=status)

    async def _no_method(self, request: web.Request) -> web.Response:
        try:
            self._check_token(request.match_info["token"])
        except BotApiError as error:
            return self._answer(error.payload(), error.error_code)
        return self._answer(errors.not_found().payload(), 404)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        try:
            self._check_token(request.match_info["token"])
        except BotApiError as error:
            return self._answer(error.payload(), error.error_code)
        path = request.match_info["path"]
        stored = next((f for f in self.state.files.values() if f.file_path == path), None)
        if stored is None:
            return self._answer(errors.not_found().payload(), 404)
        return web.Response(body=stored.content, content_type=stored.mime_type)
