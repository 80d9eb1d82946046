"""Coordinator-only actions: checked, and every refusal audited, before anything happens.

Refusals are private and throttled: nothing is ever said in a group (a stranger's presses
would spend the group's 20 messages a minute and hold the update slots); a refused button
gets its answer as a pop-up only the presser sees, a refused command in a group one private
message per person and period. Past ``REFUSALS_CHECKED`` a minute a person's attempts are
refused from memory, without a database write or an answer; crossing it is audited once.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from telegram import Bot, Chat, Message, Update, User
from telegram.error import TelegramError

from bot.registration import user_language
from bot.services import BotServices
from care.domain.errors import NotAllowed, RefusedQuietly
from care.usecases import team_access

log = structlog.get_logger(__name__)


async def ensure_coordinator(
    services: BotServices, *, user_id: int, chat_id: int, chat_type: str, action: str
) -> None:
    """Raise NotAllowed unless a listed coordinator acts in a private chat or the team's group
    (care/usecases/team_access.py)."""
    await team_access.require_coordinator(
        services.db,
        services.clock,
        services.refusal_throttle,
        user_id=user_id,
        chat_id=chat_id,
        private_chat=chat_type == "private",
        listed=services.config.coordinator_ids,
        coordinator_chat_id=services.config.coordinator_chat_id,
        action=action,
    )


async def tell_refused(
    bot: Bot, services: BotServices, *, user_id: int, chat: Chat, lang: str, error: NotAllowed
) -> None:
    """Say "not allowed" where only the person sees it; never in a group; not when throttled."""
    if isinstance(error, RefusedQuietly):
        return
    if chat.type != "private" and not services.refusal_notice.allow(str(user_id)):
        return  # already told privately in this period
    try:
        await bot.send_message(user_id, services.text(lang, "not_allowed"))
    except TelegramError as failure:  # they never opened a chat with the bot: nothing to do
        log.info("refusal_not_told", action="coordinator.refused", reason=failure.message[:60])


@dataclass(frozen=True)
class Asker:
    """Who sent a coordinator command, where, and the language to answer in."""

    message: Message
    chat: Chat
    user: User
    lang: str

    @property
    def actor(self) -> str:
        return f"coordinator:{self.user.id}"


async def coordinator_or_refuse(update: Update, services: BotServices, action: str) -> Asker | None:
    """The asker when a coordinator acts in an allowed chat; otherwise refuse privately."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return None
    lang = user_language(update, services.config.default_language)
    try:
        await ensure_coordinator(
            services, user_id=user.id, chat_id=chat.id, chat_type=chat.type, action=action
        )
    except NotAllowed as error:
        await tell_refused(
            message.get_bot(), services, user_id=user.id, chat=chat, lang=lang, error=error
        )
        return None
    return Asker(message, chat, user, lang)
