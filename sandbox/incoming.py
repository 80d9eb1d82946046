"""What users do, turned into Telegram updates: messages, button presses, blocking the bot."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.entities import command_entities
from sandbox.errors import bad_request
from sandbox.state import Chat, Message, SandboxState, User


def user_message(
    state: SandboxState,
    user: User,
    chat: Chat,
    text: str,
    *,
    reply_to_message_id: int | None = None,
    privacy_mode: bool = True,
) -> Message:
    """Record a user's text message and queue its `message` update (if the bot would see it)."""
    if not text:
        raise bad_request("message text is empty")
    if user.blocked:
        raise bad_request("the user has blocked the bot; unblock first")
    if chat.type != "private" and user.id not in chat.members:
        raise bad_request("the user is not a member of the chat")
    reply_to = None
    if reply_to_message_id is not None:
        reply_to = state.message(chat.id, reply_to_message_id)
        if reply_to is None:
            raise bad_request("message to be replied not found")
    entities = command_entities(text)
    message = state.add_message(chat, user, text=text, entities=entities, reply_to=reply_to)
    if chat.type == "private" or not privacy_mode or _meant_for_bot(state, message):
        state.enqueue("message", message.as_json())
    return message


def _meant_for_bot(state: SandboxState, message: Message) -> bool:
    """What a bot in privacy mode receives from a group: its commands, replies and mentions."""
    username = (state.bot.username or "").lower()
    text = message.text or ""
    for entity in message.entities:
        command = text[entity["offset"] : entity["offset"] + entity["length"]]
        _, _, addressee = command.partition("@")
        if not addressee or addressee.lower() == username:
            return True
    if message.reply_to is not None and message.reply_to.sender.is_bot:
        return True
    return bool(username) and f"@{username}" in text.lower()


def press_button(
    state: SandboxState, user: User, chat: Chat, message_id: int, data: str, *, force: bool
) -> str:
    """Queue a `callback_query` update for a button on a bot message; the query id is returned."""
    message = state.message(chat.id, message_id)
    if message is None or not message.sender.is_bot:
        raise bad_request("message with the button not found")
    if chat.type != "private" and user.id not in chat.members:
        raise bad_request("the user is not a member of the chat")
    if not force and data not in message.callback_data():
        raise bad_request("no button with this callback_data on the message")
    query = state.new_callback_query(user, message, data)
    state.enqueue(
        "callback_query",
        {
            "id": query.id,
            "from": user.as_json(),
            "message": message.as_json(),
            "chat_instance": state.chat_instance(chat),
            "data": data,
        },
    )
    return query.id


ATTACHMENT_KINDS = ("photo", "voice", "document", "sticker", "video_note", "location")


def _attachment(kind: str, file_name: str) -> dict[str, Any]:
    """The Bot API object a user's attachment of this kind arrives as (no bytes kept)."""
    file_id = f"AgAC{secrets.token_urlsafe(24)}"
    unique = f"AQAD{secrets.token_urlsafe(8)}"
    base: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique}
    match kind:
        case "photo":  # sizes, smallest first, as Telegram sends them
            return {
                "photo": [
                    base | {"width": 90, "height": 120, "file_size": 1_800},
                    base
                    | {"file_id": file_id + "x", "width": 960, "height": 1280, "file_size": 96_000},
                ]
            }
        case "voice":
            return {"voice": base | {"duration": 7, "mime_type": "audio/ogg", "file_size": 14_000}}
        case "document":
            return {"document": base | {"file_name": file_name, "mime_type": "application/pdf"}}
        case "sticker":
            return {
                "sticker": base
                | {"type": "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "emoji": "🙏"}
            }  # fmt: skip
        case "video_note":
            return {"video_note": base | {"length": 240, "duration": 5}}
        case "location":
            return {"location": {"latitude": 37.5665, "longitude": 126.978}}
    raise bad_request(f"attachment kind must be one of {', '.join(ATTACHMENT_KINDS)}")


def user_attachment(
    state: SandboxState, user: User, chat: Chat, kind: str, caption: str = ""
) -> Message:
    """Record a photo, voice message, file, sticker, video note or location sent by a user."""
    if user.blocked:
        raise bad_request("the user has blocked the bot; unblock first")
    if chat.type != "private" and user.id not in chat.members:
        raise bad_request("the user is not a member of the chat")
    if caption and kind in ("sticker", "video_note", "location"):
        raise bad_request(f"a {kind} has no caption")
    extra = _attachment(kind, "document.pdf")
    message = state.add_message(chat, user, caption=caption or None, extra=extra)
    if chat.type == "private":  # in groups, privacy mode hides attachments from the bot
        state.enqueue("message", message.as_json())
    return message


def set_blocked(state: SandboxState, user: User, blocked: bool, *, notify: bool = True) -> None:
    """Block or unblock the bot; Telegram tells the bot with a `my_chat_member` update.

    `notify=False` plays the update being lost (Telegram keeps undelivered updates for 24
    hours only), so the bot learns of the block from a 403 on its next send.
    """
    if user.blocked == blocked:
        return
    user.blocked = blocked
    if not notify:
        return
    chat = state.private_chat(user)
    bot = state.bot.as_json()
    member: dict[str, Any] = {"status": "member", "user": bot}
    kicked: dict[str, Any] = {"status": "kicked", "user": bot, "until_date": 0}
    state.enqueue(
        "my_chat_member",
        {
            "chat": chat.as_json(),
            "from": user.as_json(),
            "date": state.now(),
            "old_chat_member": kicked if not blocked else member,
            "new_chat_member": kicked if blocked else member,
        },
    )
