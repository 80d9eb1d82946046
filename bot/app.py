"""The python-telegram-bot Application factory."""

from __future__ import annotations

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.handlers import register_handlers
from bot.services import BotServices

# Telegram allows about 30 messages a second per bot. Sends are spaced evenly at 29 a second
# with no burst (a bucket of one): a burst on top of a full second's rate is what trips a
# moving-window limit, and 29 leaves room for timing jitter. A broadcast to 300 patients
# takes ~10.7 s against the sandbox with its limits on, with no 429.
MESSAGES_PER_SECOND = 29


def build_application(*, token: str, base_url: str, services: BotServices) -> Application:  # type: ignore[type-arg]
    """An Application that talks to ``base_url`` (Telegram, a local Bot API server or the sandbox).

    AIORateLimiter keeps sends under Telegram's global limit (``MESSAGES_PER_SECOND``, evenly
    spaced) and a group's 20 a minute, and retries a 429 twice after ``retry_after``.
    """
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=1,
                overall_time_period=1 / MESSAGES_PER_SECOND,
                group_max_rate=18,
                max_retries=2,
            )
        )
        .concurrent_updates(8)
        .job_queue(None)  # time is scheduler/'s job, over the database; no in-memory jobs
        .build()
    )
    application.bot_data["services"] = services
    register_handlers(application)
    return application
