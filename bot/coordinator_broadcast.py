"""/broadcast: compose, choose the audience, preview with the count, confirm; and the "bc" buttons.

Conversation (per coordinator and chat; /cancel is always a way out):

    /broadcast -> TEXT (the notice, in the coordinator's language)
               -> OTHER_TEXT (the same in the other language, or /skip)
               -> AUDIENCE (all, week:1-2, approach:..., language:..., patient:CODE)
               -> preview with "Send to N" and "Don't send" (a draft; the conversation ends)

"Send" queues one durable delivery per recipient (care.storage.broadcasts.send) and turns the
preview into the progress message, which the scheduler edits in place until the final
report; its "Stop sending" button cancels what is not sent yet. Prompts ask for a reply
(ForceReply), so the answers reach the bot in a group with privacy mode on.
"""

from __future__ import annotations

from typing import Any

import structlog
from telegram import (
    CallbackQuery,
    ForceReply,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.authz import coordinator_or_refuse, ensure_coordinator
from bot.keyboards import markup
from bot.registration import user_language
from bot.services import BotServices, services_of
from care.domain.callbacks import Callback, encode
from care.domain.errors import InvalidInput, NotFound
from care.domain.messaging import Button, Keyboard
from care.usecases import broadcast

log = structlog.get_logger(__name__)

TEXT, OTHER_TEXT, AUDIENCE = range(3)
PREVIEW_CHARS = 1500  # of each text in the preview; the message itself has 4096
AUDIENCE_CHOICES = (
    ("all",),
    ("language:ko", "language:en"),
    ("week:1", "week:1-2", "week:3-4"),
    ("approach:interlaminar", "approach:transforaminal", "approach:biportal"),
)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    draft: dict[str, Any] = data.setdefault("broadcast", {})
    return draft


def _other(lang: str) -> str:
    return "ko" if lang == "en" else "en"


def _prompt_markup() -> ForceReply:
    return ForceReply(selective=True)


def _audience_markup(chat_type: str) -> ForceReply | ReplyKeyboardMarkup:
    if chat_type != "private":
        return ForceReply(selective=True, input_field_placeholder="all / week:1-2 / language:en")
    return ReplyKeyboardMarkup(
        [[KeyboardButton(choice) for choice in row] for row in AUDIENCE_CHOICES],
        one_time_keyboard=True,
        resize_keyboard=True,
        selective=True,
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/broadcast: ask for the notice."""
    services = services_of(context)
    asker = await coordinator_or_refuse(update, services, "broadcast.compose")
    if asker is None:
        return ConversationHandler.END
    lang = asker.lang
    draft = _draft(context)
    draft.clear()
    draft["lang"] = lang
    await asker.message.reply_text(
        services.text(lang, "coord.broadcast.ask_text"),
        reply_markup=_prompt_markup(),
    )
    return TEXT


async def got_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The notice in the coordinator's language; ask for the other language."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return TEXT
    draft = _draft(context)
    lang = draft.get("lang", services.config.default_language)
    draft[lang] = message.text
    await message.reply_text(
        services.text(lang, "coord.broadcast.ask_text_en"),
        reply_markup=_prompt_markup(),
    )
    return OTHER_TEXT


async def got_other_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The other language's text, or /skip; ask for the audience."""
    services = services_of(context)
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return OTHER_TEXT
    draft = _draft(context)
    lang = draft.get("lang", services.config.default_language)
    if message.text and not message.text.startswith("/"):
        draft[_other(lang)] = message.text
    await message.reply_text(
        services.text(lang, "coord.broadcast.ask_audience"),
        reply_markup=_audience_markup(chat.type),
    )
    return AUDIENCE


def _preview_text(services: BotServices, lang: str, drafted: broadcast.Drafted) -> str:
    texts = {"ko": drafted.text_ko, "en": drafted.text_en}
    first, second = texts[lang] or texts[_other(lang)] or "", texts[_other(lang)]
    if texts[lang] is None:
        first, second = second or "", None
    body = _clip(first)
    if second:
        label = services.text(lang, "coord.broadcast.other_language", language=_other(lang).upper())
        body += f"\n\n{label}\n{_clip(second)}"
    return services.text(
        lang,
        "coord.broadcast.preview",
        id=drafted.broadcast_id,
        audience=drafted.audience,
        count=drafted.recipients,
        text=body,
    )


def _clip(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def confirm_keyboard(services: BotServices, lang: str, broadcast_id: int, count: int) -> Keyboard:
    return (
        (
            Button(
                services.text(lang, "coord.broadcast.send", count=count),
                encode("bc", broadcast_id, "send"),
            ),
            Button(
                services.text(lang, "coord.broadcast.discard"), encode("bc", broadcast_id, "cancel")
            ),
        ),
    )


async def got_audience(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The audience: count the recipients, store a draft, show the preview with the buttons."""
    services = services_of(context)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None or user is None or not message.text:
        return AUDIENCE
    draft = _draft(context)
    # the coordinator may have been removed from the list since /broadcast
    if await coordinator_or_refuse(update, services, "broadcast.draft") is None:
        draft.clear()
        return ConversationHandler.END
    lang = draft.get("lang", services.config.default_language)
    try:
        drafted = await broadcast.draft(
            services.db,
            services.clock,
            text_ko=draft.get("ko"),
            text_en=draft.get("en"),
            audience=message.text,
            actor=f"coordinator:{user.id}",
            progress_chat_id=chat.id,
        )
    except (InvalidInput, NotFound) as error:
        await message.reply_text(
            services.text(lang, "coord.broadcast.bad_audience", error=str(error))
        )
        return AUDIENCE
    if isinstance(drafted, broadcast.Nobody):
        await message.reply_text(
            services.text(lang, "coord.broadcast.nobody", audience=drafted.audience)
        )
        return AUDIENCE
    draft.clear()
    await message.reply_text(
        _preview_text(services, lang, drafted),
        reply_markup=markup(
            confirm_keyboard(services, lang, drafted.broadcast_id, drafted.recipients)
        ),
    )
    log.info(
        "broadcast_drafted",
        action="broadcast.drafted",
        broadcast_id=drafted.broadcast_id,
        recipients=drafted.recipients,
        by=user.id,
    )
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: drop the draft; nothing is sent."""
    services = services_of(context)
    _draft(context).clear()
    if update.effective_message is not None:
        lang = user_language(update, services.config.default_language)
        await update.effective_message.reply_text(services.text(lang, "coord.cancelled"))
    return ConversationHandler.END


def conversation() -> BaseHandler[Update, Any, Any]:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[CommandHandler("broadcast", start)],
        states={
            TEXT: [MessageHandler(text, got_text)],
            OTHER_TEXT: [
                MessageHandler(text, got_other_text),
                CommandHandler("skip", got_other_text),
            ],
            AUDIENCE: [MessageHandler(text, got_audience)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="broadcast",
        allow_reentry=True,
    )


async def on_broadcast_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """ "Send" or "Don't send" under a preview; "Stop sending" under a running broadcast."""
    message = query.message if isinstance(query.message, Message) else None
    user = query.from_user
    verb = callback.args[1]
    if verb not in ("send", "cancel"):
        raise InvalidInput(f"broadcast button {verb!r} unknown")
    await ensure_coordinator(
        services,
        user_id=user.id,
        chat_id=chat_id,
        chat_type=message.chat.type if message else "",
        action=f"broadcast.{verb}",
    )
    lang = "en" if (user.language_code or "").startswith("en") else services.config.default_language
    broadcast_id = callback.arg_int(0)
    actor = f"coordinator:{user.id}"
    if verb == "send":
        sent = await broadcast.send(
            services.db,
            services.clock,
            broadcast_id,
            actor=actor,
            chat_id=chat_id,
            progress_message_id=message.message_id if message is not None else None,
        )
        if isinstance(sent, broadcast.Stale):
            await query.get_bot().send_message(
                chat_id, services.text(lang, "coord.broadcast.stale", id=broadcast_id)
            )
            return
        text = services.text(
            lang,
            "coord.broadcast.started",
            id=broadcast_id,
            audience=sent.audience,
            count=sent.queued,
        )
        stop = (
            (
                Button(
                    services.text(lang, "coord.broadcast.stop"),
                    encode("bc", broadcast_id, "cancel"),
                ),
            ),
        )
        await query.edit_message_text(text, reply_markup=markup(stop))
    else:
        cancelled = await broadcast.cancel(
            services.db, services.clock, broadcast_id, actor=actor, chat_id=chat_id
        )
        if cancelled.was_draft:
            await query.edit_message_text(
                services.text(lang, "coord.broadcast.discarded", id=broadcast_id)
            )
        else:
            await query.edit_message_reply_markup(None)
            await query.get_bot().send_message(
                chat_id,
                services.text(
                    lang, "coord.broadcast.stopping", id=broadcast_id, count=cancelled.cancelled
                ),
            )
    log.info("broadcast_button", action=f"broadcast.{verb}", broadcast_id=broadcast_id, by=user.id)
