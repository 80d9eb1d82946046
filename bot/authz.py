"""Coordinator-only actions: checked, and every refusal audited, before anything happens."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, Message, Update, User

from bot.registration import user_language
from bot.services import BotServices
from care import coordinators
from care.errors import NotAllowed


async def ensure_coordinator(
    services: BotServices, *, user_id: int, chat_id: int, chat_type: str, action: str
) -> None:
    """Raise NotAllowed unless a listed coordinator acts in a private chat or the team's group."""
    async with services.db.uow() as uow:
        try:
            await coordinators.require_coordinator(
                uow.session,
                user_id=user_id,
                chat_id=chat_id,
                private=chat_type == "private",
                listed=services.config.coordinator_ids,
                coordinator_chat_id=services.config.coordinator_chat_id,
                action=action,
                now=services.clock.now(),
            )
        except NotAllowed:
            await uow.commit()  # keep the audit entry of the refused attempt
            raise


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
    """The asker when a coordinator acts in an allowed chat; otherwise say "not allowed"."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None:
        return None
    lang = user_language(update, services.config.default_language)
    try:
        await ensure_coordinator(
            services, user_id=user.id, chat_id=chat.id, chat_type=chat.type, action=action
        )
    except NotAllowed:
        await message.reply_text(services.text(lang, "not_allowed"))
        return None
    return Asker(message, chat, user, lang)
