"""The python-telegram-bot Application factory."""

from __future__ import annotations

from telegram.ext import Application, ApplicationBuilder

from bot.handlers import register_handlers
from bot.pace import PaceLimits, TelegramPace, pace_store
from bot.services import BotServices


def build_application(
    *, token: str, base_url: str, services: BotServices, limits: PaceLimits | None = None
) -> Application:  # type: ignore[type-arg]
    """An Application that talks to ``base_url`` (Telegram, a local Bot API server or the sandbox).

    Its rate limiter is the bot's pace (bot/pace.py): Telegram's limits for the bot, each
    private chat and each group, shared by every process on PostgreSQL, alerts and replies
    first.
    """
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .rate_limiter(TelegramPace(pace_store(services.db), limits or PaceLimits()))
        .concurrent_updates(8)
        .job_queue(None)  # time is scheduler/'s job, over the database; no in-memory jobs
        .build()
    )
    application.bot_data["services"] = services
    register_handlers(application)
    return application
