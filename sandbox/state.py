"""What the sandbox remembers: users, chats, messages, files, callback queries, updates."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
# "Specify an empty list to receive all update types except chat_member, message_reaction,
# and message_reaction_count (default)."
DEFAULT_UPDATES = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked: bool = False

    def as_json(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    members: set[int] = field(default_factory=set)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def as_json(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                chat[key] = getattr(self, key)
        return chat


@dataclass
class Message:
    chat: Chat
    message_id: int
    sender: User
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    document: JSON | None = None
    reply_to: Message | None = None
    edit_date: int | None = None
    deleted: bool = False
    extra: JSON = field(default_factory=dict)
    options: JSON = field(default_factory=dict)

    @property
    def inline_markup(self) -> JSON | None:
        """The markup Telegram echoes back: inline keyboards only."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    def callback_data(self) -> set[str]:
        markup = self.inline_markup or {}
        return {
            button["callback_data"]
            for row in markup.get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        }

    def as_json(self, *, full_markup: bool = False, nested: bool = True) -> JSON:
        """The Telegram Message object.

        `full_markup` gives the control view: reply keyboards too, and `sandbox_options`
        (parse_mode, disable_notification, protect_content as the bot sent them).
        """
        message: JSON = {
            "message_id": self.message_id,
            "from": self.sender.as_json(),
            "chat": self.chat.as_json(),
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_to is not None and nested:
            message["reply_to_message"] = self.reply_to.as_json(nested=False)
        if self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.document is not None:
            message["document"] = self.document
        if self.caption:
            message["caption"] = self.caption
            if self.caption_entities:
                message["caption_entities"] = self.caption_entities
        message.update(self.extra)
        markup = self.reply_markup if full_markup else self.inline_markup
        if markup is not None:
            message["reply_markup"] = markup
        if full_markup and self.options:
            message["sandbox_options"] = self.options
        return message


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    content: bytes

    @property
    def file_path(self) -> str:
        return f"documents/{self.file_unique_id}_{self.file_name}"

    def as_document(self) -> JSON:
        return {
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }


@dataclass
class CallbackQuery:
    id: str
    user: User
    message: Message
    data: str
    created: float
    answered: bool = False


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class Changes:
    """Wakes every waiter when something changes (a new update, a sent or edited message)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Return at the next change, or after `seconds`."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(seconds, 0.0))


class SandboxState:
    def __init__(self, bot: User, *, clock: Callable[[], float] = time.time) -> None:
        self.bot = bot
        self.clock = clock
        self.changes = Changes()
        self.reset()

    def reset(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], Message] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.callback_answers: list[JSON] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.updates: list[JSON] = []
        self.update_ids = itertools.count(1)
        self.delivered: dict[int, JSON] = {}  # every update queued, by id, for redelivery
        self.redeliveries: list[JSON] = []  # copies getUpdates returns again, whatever the offset
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATES
        self.webhook = Webhook()
        self.version = 0
        self.changes.notify()

    def now(self) -> int:
        return int(self.clock())

    def changed(self) -> None:
        self.version += 1
        self.changes.notify()

    # people and chats

    def ensure_user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = True,
    ) -> User:
        user = self.users.get(user_id)
        if user is None:
            user = User(id=user_id, first_name=first_name or f"User {user_id}")
            self.users[user_id] = user
        if first_name:
            user.first_name = first_name
        user.last_name = last_name or user.last_name
        user.username = username or user.username
        user.language_code = language_code or user.language_code
        if started:
            self.private_chat(user)
        return user

    def private_chat(self, user: User) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", first_name=user.first_name)
            self.chats[user.id] = chat
        chat.first_name, chat.last_name, chat.username = (
            user.first_name,
            user.last_name,
            user.username,
        )
        return chat

    def ensure_group(
        self, chat_id: int, title: str, members: list[int], chat_type: str = "group"
    ) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = Chat(id=chat_id, type=chat_type, title=title)
            self.chats[chat_id] = chat
        chat.title, chat.type = title, chat_type
        for member in members:
            self.ensure_user(member, started=False)
            chat.members.add(member)
        return chat

    def find_chat(self, chat_id: int | str) -> Chat | None:
        if isinstance(chat_id, int):
            return self.chats.get(chat_id)
        name = chat_id.removeprefix("@").lower()
        return next(
            (c for c in self.chats.values() if c.type != "private" and c.username == name), None
        )

    # messages

    def add_message(self, chat: Chat, sender: User, **fields: Any) -> Message:
        message = Message(
            chat=chat, message_id=next(chat.ids), sender=sender, date=self.now(), **fields
        )
        self.messages[(chat.id, message.message_id)] = message
        if sender.is_bot:
            self.changed()
        return message

    def message(self, chat_id: int, message_id: int) -> Message | None:
        message = self.messages.get((chat_id, message_id))
        return None if message is None or message.deleted else message

    def bot_messages(self, chat_id: int | None = None) -> list[Message]:
        return [
            m
            for m in self.messages.values()
            if m.sender.is_bot and not m.deleted and (chat_id is None or m.chat.id == chat_id)
        ]

    def store_file(self, file_name: str, mime_type: str, content: bytes) -> StoredFile:
        unique = hashlib.sha256(content).hexdigest()[:16]
        stored = StoredFile(
            file_id=f"BQACAgIAAxkB{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{unique}",
            file_name=file_name,
            mime_type=mime_type,
            content=content,
        )
        self.files[stored.file_id] = stored
        return stored

    # callback queries

    def new_callback_query(self, user: User, message: Message, data: str) -> CallbackQuery:
        query = CallbackQuery(
            id=str(secrets.randbits(63)),
            user=user,
            message=message,
            data=data,
            created=time.monotonic(),
        )
        self.callback_queries[query.id] = query
        return query

    def chat_instance(self, chat: Chat) -> str:
        digest = hashlib.sha256(f"{self.bot.id}:{chat.id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big") >> 1)

    # updates

    def enqueue(self, kind: str, payload: JSON) -> JSON | None:
        """Queue an update, unless `allowed_updates` excludes its type (then it is dropped)."""
        if kind not in self.allowed_updates:
            return None
        update_id = next(self.update_ids)
        update = {"update_id": update_id, kind: payload}
        self.updates.append(update)
        self.delivered[update_id] = update
        self.changes.notify()
        return update

    def redeliver(self, update_id: int) -> JSON | None:
        """Send an update again with its own update_id, as Telegram does when it did not learn
        that the bot got it (a webhook answer that timed out, a poll whose offset was lost)."""
        update = self.delivered.get(update_id)
        if update is None:
            return None
        if self.webhook.url:
            self.updates.append(update)
        else:
            self.redeliveries.append(update)
        self.changes.notify()
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget updates below `offset`; a negative offset keeps only the last -offset."""
        if offset is None or offset == 0:
            return
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        else:
            self.updates = self.updates[offset:]

    def set_allowed_updates(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            return
        chosen = frozenset(str(kind) for kind in allowed) & UPDATE_TYPES
        self.allowed_updates = chosen or DEFAULT_UPDATES

    # commands

    @staticmethod
    def scope_key(scope: JSON) -> str:
        return json.dumps(scope, sort_keys=True, separators=(",", ":"))
