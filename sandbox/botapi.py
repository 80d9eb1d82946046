"""Bot API methods: each takes a call's Params and returns its `result` or raises BotApiError."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox import errors
from sandbox.entities import format_text
from sandbox.errors import BotApiError, bad_request, forbidden
from sandbox.flood import FloodControl
from sandbox.markup import validate_markup
from sandbox.params import Params, Upload
from sandbox.state import Chat, Message, SandboxState, StoredFile

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_COMMANDS = 100
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Reply:
    """A successful answer; some methods (setWebhook) also carry a description."""

    result: Any
    description: str | None = None


Method = Callable[[Params], Awaitable[Any]]


class BotApi:
    def __init__(
        self,
        state: SandboxState,
        flood: FloodControl,
        *,
        privacy_mode: bool = True,
        callback_query_ttl: float = 60.0,
    ) -> None:
        self.state = state
        self.flood = flood
        self.privacy_mode = privacy_mode
        self.callback_query_ttl = callback_query_ttl
        self.closing = False
        self._poll_generation = 0
        methods: dict[str, Method] = {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.close,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "sendDocument": self.send_document,
            "copyMessage": self.copy_message,
            "getFile": self.get_file,
            "sendChatAction": self.send_chat_action,
            "getChat": self.get_chat,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
        }
        self.methods = {name.lower(): method for name, method in methods.items()}

    async def call(self, method: str, params: Params) -> Reply:
        handler = self.methods.get(method.lower())
        if handler is None:
            raise errors.not_found()
        result = await handler(params)
        return result if isinstance(result, Reply) else Reply(result)

    # helpers

    def _chat(self, params: Params, name: str = "chat_id") -> Chat:
        chat_id = params.chat_id(name)
        if chat_id is None:
            raise bad_request(f"{name} is empty")
        chat = self.state.find_chat(chat_id)
        if chat is None:
            raise bad_request(errors.CHAT_NOT_FOUND)
        return chat

    def _check_reachable(self, chat: Chat) -> None:
        if chat.type == "private":
            user = self.state.users.get(chat.id)
            if user is not None and user.blocked:
                raise forbidden(errors.BLOCKED)

    def _message_id(self, params: Params, name: str = "message_id") -> int:
        message_id = params.get_int(name)
        if message_id is None:
            raise bad_request("message identifier is not specified")
        return message_id

    def _text(self, params: Params, name: str, entities: str, limit: int) -> tuple[str, list[Any]]:
        raw = params.get_str(name) or ""
        text, found = format_text(raw, params.get_str("parse_mode"), params.get_json(entities))
        if len(text) > limit:
            too_long = errors.TEXT_TOO_LONG if name == "text" else "message caption is too long"
            raise bad_request(too_long)
        return text, found

    def _reply_to(self, params: Params, chat: Chat) -> Message | None:
        reply = params.get_json("reply_parameters")
        allow_missing = params.get_bool("allow_sending_without_reply")
        message_id = params.get_int("reply_to_message_id")
        target = chat
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") is not None:
                found = self.state.find_chat(reply["chat_id"])
                if found is None:
                    raise bad_request(errors.CHAT_NOT_FOUND)
                target = found
        if message_id is None:
            return None
        if not isinstance(message_id, int):
            raise bad_request("invalid reply_parameters specified")
        message = self.state.message(target.id, message_id)
        if message is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return message

    def _send(self, chat: Chat, params: Params, **fields: Any) -> dict[str, Any]:
        self._check_reachable(chat)
        self.flood.admit(chat.id, chat.type)
        protect = params.get_bool("protect_content")
        fields["extra"] = {"has_protected_content": True} if protect else {}
        fields["options"] = {
            "parse_mode": params.get_str("parse_mode"),
            "disable_notification": params.get_bool("disable_notification"),
            "protect_content": protect,
        }
        message = self.state.add_message(chat, self.state.bot, **fields)
        return message.as_json()

    def _editable(self, params: Params) -> Message:
        if params.has("inline_message_id"):
            raise bad_request(errors.EDIT_NOT_FOUND)
        chat = self._chat(params)
        message = self.state.message(chat.id, self._message_id(params))
        if message is None:
            raise bad_request(errors.EDIT_NOT_FOUND)
        if not message.sender.is_bot:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: Message, changes: dict[str, Any]) -> dict[str, Any]:
        if all(getattr(message, key) == value for key, value in changes.items()):
            raise bad_request(errors.NOT_MODIFIED)
        self._check_reachable(message.chat)
        self.flood.admit(message.chat.id, message.chat.type)
        for key, value in changes.items():
            setattr(message, key, value)
        message.edit_date = self.state.now()
        self.state.changed()
        return message.as_json()

    # identity

    async def get_me(self, params: Params) -> Any:
        me = self.state.bot.as_json()
        me.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return me

    async def log_out(self, params: Params) -> Any:
        return True

    async def close(self, params: Params) -> Any:
        return True

    # updates

    async def get_updates(self, params: Params) -> Any:
        if self.state.webhook.url:
            raise BotApiError(409, f"Conflict: {errors.WEBHOOK_ACTIVE}")
        limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
        timeout = max(params.get_float("timeout", 0.0) or 0.0, 0.0)
        self.state.set_allowed_updates(params.get_json("allowed_updates"))
        self.state.confirm(params.get_int("offset"))
        self._poll_generation += 1
        generation = self._poll_generation
        self.state.changes.notify()
        deadline = time.monotonic() + timeout
        while True:
            if self.state.webhook.url:
                raise BotApiError(409, f"Conflict: {errors.WEBHOOK_ACTIVE}")
            if generation != self._poll_generation:
                raise BotApiError(409, f"Conflict: {errors.POLL_TERMINATED}")
            pending = self.state.updates[:limit]
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0 or self.closing:
                return pending
            await self.state.changes.wait(remaining)

    async def set_webhook(self, params: Params) -> Any:
        url = params.get_str("url") or ""
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = params.get_int("max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        webhook = self.state.webhook
        unchanged = (webhook.url, webhook.secret_token) == (url, secret)
        webhook.url, webhook.secret_token = url, secret
        webhook.max_connections = max_connections
        webhook.ip_address = params.get_str("ip_address")
        self.state.set_allowed_updates(params.get_json("allowed_updates"))
        if params.get_bool("drop_pending_updates"):
            self.state.updates.clear()
        self.state.changes.notify()
        return Reply(True, "Webhook is already set" if unchanged else "Webhook was set")

    async def delete_webhook(self, params: Params) -> Any:
        if params.get_bool("drop_pending_updates"):
            self.state.updates.clear()
        webhook = self.state.webhook
        had_url = bool(webhook.url)
        webhook.url, webhook.secret_token = "", None
        webhook.last_error_date = webhook.last_error_message = None
        self.state.changes.notify()
        return Reply(True, "Webhook was deleted" if had_url else "Webhook is already deleted")

    async def get_webhook_info(self, params: Params) -> Any:
        webhook = self.state.webhook
        info: dict[str, Any] = {
            "url": webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if webhook.url:
            info["max_connections"] = webhook.max_connections
            info["allowed_updates"] = sorted(self.state.allowed_updates)
            if webhook.ip_address:
                info["ip_address"] = webhook.ip_address
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        return info

    # messages

    async def send_message(self, params: Params) -> Any:
        chat = self._chat(params)
        text, entities = self._text(params, "text", "entities", MAX_TEXT)
        if not text:
            raise bad_request(errors.TEXT_EMPTY)
        markup = validate_markup(params.get_json("reply_markup"))
        reply_to = self._reply_to(params, chat)
        return self._send(
            chat, params, text=text, entities=entities, reply_markup=markup, reply_to=reply_to
        )

    async def edit_message_text(self, params: Params) -> Any:
        message = self._editable(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params, "text", "entities", MAX_TEXT)
        if not text:
            raise bad_request(errors.TEXT_EMPTY)
        markup = validate_markup(params.get_json("reply_markup"), inline_only=True)
        return self._apply_edit(
            message, {"text": text, "entities": entities, "reply_markup": markup}
        )

    async def edit_message_reply_markup(self, params: Params) -> Any:
        message = self._editable(params)
        markup = validate_markup(params.get_json("reply_markup"), inline_only=True)
        return self._apply_edit(message, {"reply_markup": markup})

    async def delete_message(self, params: Params) -> Any:
        chat = self._chat(params)
        message = self.state.message(chat.id, self._message_id(params))
        if message is None:
            raise bad_request("message to delete not found")
        message.deleted = True
        self.state.changed()
        return True

    async def copy_message(self, params: Params) -> Any:
        """copyMessage: the message's content (text, caption, media by file id) sent anew,
        without a link to the original; the caption may be replaced. Returns a MessageId."""
        chat = self._chat(params)
        source_chat = self._chat(params, "from_chat_id")
        source = self.state.message(source_chat.id, self._message_id(params))
        if source is None:
            raise bad_request("message to copy not found")
        if source.text is None and source.document is None and not source.extra:
            raise bad_request("message can't be copied")
        caption, caption_entities = source.caption, source.caption_entities
        if params.has("caption"):
            new_caption, caption_entities = self._text(
                params, "caption", "caption_entities", MAX_CAPTION
            )
            caption = new_caption or None
        markup = validate_markup(params.get_json("reply_markup"))
        reply_to = self._reply_to(params, chat)
        sent = self._send(
            chat,
            params,
            text=source.text,
            entities=list(source.entities),
            caption=caption,
            caption_entities=list(caption_entities),
            document=source.document,
            reply_markup=markup,
            reply_to=reply_to,
        )
        message = self.state.message(chat.id, sent["message_id"])
        assert message is not None
        message.extra = {**source.extra, **message.extra}
        return {"message_id": sent["message_id"]}

    async def send_document(self, params: Params) -> Any:
        chat = self._chat(params)
        stored = self._document(params)
        caption, entities = self._text(params, "caption", "caption_entities", MAX_CAPTION)
        markup = validate_markup(params.get_json("reply_markup"))
        reply_to = self._reply_to(params, chat)
        return self._send(
            chat,
            params,
            document=stored.as_document(),
            caption=caption or None,
            caption_entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
        )

    def _document(self, params: Params) -> StoredFile:
        upload: Upload | None = params.files.get("document")
        reference = params.get_str("document")
        if upload is None and reference and reference.startswith("attach://"):
            upload = params.files.get(reference.removeprefix("attach://"))
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            return self.state.store_file(upload.filename, upload.content_type, upload.content)
        if not reference:
            raise bad_request("there is no document in the request")
        if reference in self.state.files:
            return self.state.files[reference]
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def get_file(self, params: Params) -> Any:
        stored = self.state.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def send_chat_action(self, params: Params) -> Any:
        chat = self._chat(params)
        if params.get_str("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._check_reachable(chat)
        return True

    async def get_chat(self, params: Params) -> Any:
        chat = self._chat(params)
        info = chat.as_json()
        info.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return info

    # callback queries

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.get_str("callback_query_id") or ""
        query = self.state.callback_queries.get(query_id)
        too_old = query is None or time.monotonic() - query.created > self.callback_query_ttl
        if query is None or query.answered or too_old:
            raise bad_request(errors.QUERY_TOO_OLD)
        text = params.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        self.state.callback_answers.append(
            {
                "callback_query_id": query_id,
                "user_id": query.user.id,
                "data": query.data,
                "text": text,
                "show_alert": params.get_bool("show_alert"),
                "url": params.get_str("url"),
                "cache_time": params.get_int("cache_time", 0),
            }
        )
        self.state.changed()
        return True

    # commands

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope")
        if scope["type"] in ("chat", "chat_administrators", "chat_member") and (
            scope.get("chat_id") is None or self.state.find_chat(scope["chat_id"]) is None
        ):
            raise bad_request(errors.CHAT_NOT_FOUND)
        if scope["type"] == "chat_member" and not isinstance(scope.get("user_id"), int):
            raise bad_request("invalid user_id specified")
        language = params.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return self.state.scope_key(scope), language

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" must be an Array')
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(params)
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.state.commands.get(self._commands_key(params), [])

    async def delete_my_commands(self, params: Params) -> Any:
        self.state.commands.pop(self._commands_key(params), None)
        return True


async def sleep_unless_closing(api: BotApi, seconds: float) -> None:
    """Sleep for an injected delay; the sandbox's shutdown cuts it short."""
    deadline = time.monotonic() + seconds
    while not api.closing and (remaining := deadline - time.monotonic()) > 0:
        await api.state.changes.wait(min(remaining, 0.5))
    await asyncio.sleep(0)
