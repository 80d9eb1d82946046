"""Receive updates by webhook: a small aiohttp server that checks Telegram's secret-token header.

Telegram (or a local Bot API server) POSTs each update to the public URL with the header
``X-Telegram-Bot-Api-Secret-Token``; anything without the right secret is refused (403) and
nothing of it is read. Accepted updates go to the Application's queue, as polling would.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.handlers import HANDLED_UPDATES

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(application: Application, *, path: str, secret: str) -> web.Application:  # type: ignore[type-arg]
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        # compare_digest takes ASCII only: anything else is wrong by definition
        if not given.isascii() or not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook_refused", action="webhook.refused", remote=request.remote)
            return web.Response(status=403)
        update = await _update(request, application)
        if update is None:
            log.warning("webhook_bad_body", action="webhook.bad_body", remote=request.remote)
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    return app


async def _update(request: web.Request, application: Application) -> Update | None:  # type: ignore[type-arg]
    """The body as an Update, or None for anything Telegram would not send."""
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    try:
        return Update.de_json(data, application.bot)
    except Exception:  # any shape PTB cannot read (a message without a date, a list for a chat)
        return None


async def start_webhook(
    application: Application,  # type: ignore[type-arg]
    *,
    url: str,
    secret: str,
    listen: str,
) -> web.AppRunner:
    """Serve the webhook on ``listen`` (host:port) and register ``url`` with the Bot API."""
    host, _, port = listen.rpartition(":")
    path = urlsplit(url).path or "/"
    runner = web.AppRunner(webhook_app(application, path=path, secret=secret), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    await application.bot.set_webhook(
        url=url, secret_token=secret, allowed_updates=list(HANDLED_UPDATES)
    )
    log.info("webhook_started", action="webhook.start", listen=listen, path=path)
    return runner
