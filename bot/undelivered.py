"""A reply that cannot be delivered never hides a sign (bot/free_text.py's one hook).

The follow-up question to a red or amber message carries the advice (call 119, call the
clinic). When Telegram will not take it, even after the pace's retries, the awaiting alert
is opened at once and posted, instead of waiting 10 minutes for an answer that cannot come.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from telegram.error import TelegramError

from bot.services import BotServices
from care.usecases.undelivered_reply import open_alert_now

log = structlog.get_logger(__name__)


async def reply_or_alert(
    send: Callable[[], Awaitable[object]], *, alert_id: int | None, services: BotServices
) -> bool:
    """Send the reply; if it fails and an alert awaits it, open the alert now. True if sent."""
    try:
        await send()
    except TelegramError as error:
        log.warning(
            "reply_undelivered",
            action="free_text.reply_failed",
            alert_id=alert_id,
            error=type(error).__name__,
        )
        if alert_id is None:
            raise
        if await open_alert_now(
            services.db, alert_id, now=services.clock.now(), realert=services.config.realert
        ):
            services.post_alerts()
        return False
    return True
