"""What users do, turned into Telegram updates: messages, button presses, blocking the bot."""

from __future__ import annotations

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
