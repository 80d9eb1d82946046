"""The real python-telegram-bot `Bot` works against the sandbox, successes and errors alike."""

from __future__ import annotations

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken

from sandbox import BotApiSandbox, SandboxClient

from .conftest import PATIENT

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="v1:yes"),
            InlineKeyboardButton("No", callback_data="v1:no"),
        ]
    ]
)


async def test_get_me_describes_the_sandbox_bot(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456, True, "spinecare_sandbox_bot")
    assert me.can_read_all_group_messages is False


async def test_send_message_returns_a_full_message_and_is_recorded(
    bot: Bot, client: SandboxClient
) -> None:
    sent = await bot.send_message(
        PATIENT, "<b>Hello</b> there", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )

    assert sent.chat.id == PATIENT
    assert sent.chat.type == "private"
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.text == "Hello there"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 5)]
    assert sent.reply_markup == KEYBOARD
    recorded = await client.sent_messages(PATIENT)
    assert [m["message_id"] for m in recorded] == [sent.message_id]
    assert recorded[0]["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "v1:no"


async def test_edit_message_text_changes_the_recorded_message(
    bot: Bot, client: SandboxClient
) -> None:
    sent = await bot.send_message(PATIENT, "Pain today?", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text("Thanks", chat_id=PATIENT, message_id=sent.message_id)

    assert isinstance(edited, type(sent))
    assert edited.text == "Thanks"
    assert edited.edit_date is not None
    (recorded,) = await client.sent_messages(PATIENT)
    assert recorded["text"] == "Thanks"
    assert "reply_markup" not in recorded  # editing text without a markup removes the keyboard


async def test_editing_to_the_same_content_is_not_modified(bot: Bot) -> None:
    sent = await bot.send_message(PATIENT, "Same", reply_markup=KEYBOARD)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Same", chat_id=PATIENT, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(PATIENT, sent.message_id, reply_markup=KEYBOARD)


async def test_editing_a_missing_message_is_a_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=PATIENT, message_id=999)


async def test_edit_reply_markup_removes_the_keyboard(bot: Bot, client: SandboxClient) -> None:
    sent = await bot.send_message(PATIENT, "Pain today?", reply_markup=KEYBOARD)

    edited = await bot.edit_message_reply_markup(PATIENT, sent.message_id, reply_markup=None)

    assert not isinstance(edited, bool)
    assert edited.reply_markup is None
    (recorded,) = await client.sent_messages(PATIENT)
    assert "reply_markup" not in recorded
    assert recorded["text"] == "Pain today?"


async def test_answer_callback_query_is_recorded_once(bot: Bot, client: SandboxClient) -> None:
    sent = await bot.send_message(PATIENT, "Pain today?", reply_markup=KEYBOARD)
    query_id = await client.press_button(PATIENT, PATIENT, sent.message_id, "v1:yes")

    assert await bot.answer_callback_query(query_id, text="Noted") is True

    (answer,) = await client.callback_answers()
    assert (answer["callback_query_id"], answer["text"], answer["data"]) == (
        query_id,
        "Noted",
        "v1:yes",
    )
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)


async def test_answering_an_unknown_callback_query_is_a_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query("12345")


async def test_send_document_stores_the_uploaded_bytes_and_name(
    bot: Bot, client: SandboxClient
) -> None:
    content = b"date,pain\n2025-01-01,3\n"

    sent = await bot.send_document(
        PATIENT, InputFile(content, filename="diary.csv"), caption="Your diary"
    )

    assert sent.document is not None
    assert sent.document.file_name == "diary.csv"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Your diary"
    (document,) = await client.documents(PATIENT)
    assert (document.file_name, document.content, document.caption) == (
        "diary.csv",
        content,
        "Your diary",
    )
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_commands_are_stored_per_scope_and_language(bot: Bot, client: SandboxClient) -> None:
    korean = [BotCommand("start", "시작"), BotCommand("help", "도움말")]
    english = [BotCommand("start", "Start")]
    assert await bot.set_my_commands(
        korean, scope=BotCommandScopeAllPrivateChats(), language_code="ko"
    )
    assert await bot.set_my_commands(english)
    assert await bot.set_my_commands(english, scope=BotCommandScopeChat(PATIENT))

    assert await bot.get_my_commands(
        scope=BotCommandScopeAllPrivateChats(), language_code="ko"
    ) == tuple(korean)
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert await bot.get_my_commands() == tuple(english)
    stored = {(c["scope"]["type"], c["language_code"]) for c in await client.commands()}
    assert stored == {("all_private_chats", "ko"), ("default", ""), ("chat", "")}

    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()


async def test_get_chat_and_chat_action_and_delete(bot: Bot, client: SandboxClient) -> None:
    chat = await bot.get_chat(PATIENT)
    assert (chat.id, chat.type, chat.first_name) == (PATIENT, "private", "Minji")
    assert await bot.send_chat_action(PATIENT, "typing")
    sent = await bot.send_message(PATIENT, "to delete")

    assert await bot.delete_message(PATIENT, sent.message_id)

    assert await client.sent_messages(PATIENT) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(PATIENT, sent.message_id)


async def test_a_chat_never_seen_is_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "hello")


async def test_a_user_who_blocked_the_bot_is_forbidden(bot: Bot, client: SandboxClient) -> None:
    await client.block(PATIENT)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(PATIENT, "hello")

    await client.unblock(PATIENT)
    assert (await bot.send_message(PATIENT, "welcome back")).text == "welcome back"


@pytest.mark.parametrize(
    ("text", "markup", "error"),
    [
        ("   ", None, "Message text is empty"),
        ("x" * 4097, None, "Message is too long"),
        (
            "ok",
            InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]]),
            "Button_data_invalid",
        ),
    ],
)
async def test_invalid_messages_are_bad_requests(
    bot: Bot, text: str, markup: InlineKeyboardMarkup | None, error: str
) -> None:
    with pytest.raises(BadRequest, match=error):
        await bot.send_message(PATIENT, text, reply_markup=markup)


async def test_a_wrong_token_is_unauthorized(sandbox: BotApiSandbox) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("654321:WRONG", base_url=sandbox.api_url) as wrong:
            await wrong.get_me()
