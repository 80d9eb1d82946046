"""/console: a listed coordinator, in a private chat, gets a one-time link to the web console."""

from __future__ import annotations

import structlog
from telegram import LinkPreviewOptions, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.authz import coordinator_or_refuse
from bot.services import services_of
from care.domain.errors import NotAllowed
from care.usecases import console_access

log = structlog.get_logger(__name__)


async def console_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "console.link")
    if asker is None:
        return
    if asker.chat.type != "private":
        # A sign-in link is personal: never in the group, where others could open it first.
        await asker.message.reply_text(services.text(asker.lang, "console.bot.private_only"))
        return
    try:
        token = await console_access.issue_link(
            services.db,
            coordinator_id=asker.user.id,
            listed=services.config.coordinator_ids,
            actor=asker.actor,
            now=services.wall_clock.now(),
        )
    except NotAllowed:
        await asker.message.reply_text(services.text(asker.lang, "not_allowed"))
        return
    link = f"{services.config.console_url.rstrip('/')}/signin?token={token}"
    minutes = int(console_access.LINK_TTL.total_seconds() // 60)
    await asker.message.reply_text(
        services.text(asker.lang, "console.bot.link", link=link, minutes=minutes),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    log.info("console_link_sent", action="console.link", coordinator=asker.user.id)


def register_console_handler(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("console", console_command))
