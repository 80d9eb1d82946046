"""A real polling `telegram.ext.Application` receives what the control API sends and answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from sandbox import BotApiSandbox, SandboxClient

from .conftest import COORDINATOR, PATIENT, TOKEN

GROUP = -100200300


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the deep-link payload and a keyboard."""
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Fine", callback_data="pain:0")]])
    await update.effective_message.reply_text(
        f"welcome {' '.join(context.args or [])}", reply_markup=keyboard
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the query, then edit the message to say what was pressed."""
    query = update.callback_query
    assert query is not None
    await query.answer("noted")
    await query.edit_message_text(f"you chose {query.data}")


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say who asked, in the group."""
    assert update.effective_message is not None
    assert update.effective_user is not None
    await update.effective_message.reply_text(f"status for {update.effective_user.id}")


@pytest.fixture
async def application(sandbox: BotApiSandbox) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = Application.builder().token(TOKEN).base_url(sandbox.api_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("status", status))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


@pytest.mark.usefixtures("application")
async def test_start_with_a_deep_link_payload_gets_a_reply(client: SandboxClient) -> None:
    sent = await client.send_text(PATIENT, "/start abc")

    reply = await client.wait_for_message(
        PATIENT, "welcome abc", timeout=5, after_message_id=sent["message_id"]
    )

    assert reply["chat"]["id"] == PATIENT
    assert reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "pain:0"


@pytest.mark.usefixtures("application")
async def test_a_pressed_button_reaches_the_callback_handler(client: SandboxClient) -> None:
    await client.send_text(PATIENT, "/start")
    question = await client.wait_for_message(PATIENT, "welcome")

    query_id = await client.press_button(PATIENT, PATIENT, question["message_id"], "pain:0")

    edited = await client.wait_for_message(PATIENT, lambda m: m["text"] == "you chose pain:0")
    assert edited["message_id"] == question["message_id"]
    assert "reply_markup" not in edited
    answers = await client.callback_answers()
    assert [(a["callback_query_id"], a["text"]) for a in answers] == [(query_id, "noted")]


@pytest.mark.usefixtures("application")
async def test_a_command_addressed_to_the_bot_in_a_group_is_handled(
    client: SandboxClient,
) -> None:
    await client.ensure_user(COORDINATOR, "Dr. Kim")
    await client.ensure_group(GROUP, "Coordinators", [COORDINATOR])

    sent = await client.send_text(COORDINATOR, "/status@spinecare_sandbox_bot", chat_id=GROUP)

    reply = await client.wait_for_message(GROUP, f"status for {COORDINATOR}")
    assert reply["chat"] == {"id": GROUP, "type": "group", "title": "Coordinators"}
    assert reply["reply_to_message"]["message_id"] == sent["message_id"]  # PTB quotes in groups
