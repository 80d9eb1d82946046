"""The Messenger port over python-telegram-bot; Telegram's errors folded into a few outcomes.

    TelegramError
    ├── RetryAfter (429) ...................... RETRY_LATER, with retry_after seconds
    ├── Forbidden (403: blocked, deactivated) . BLOCKED
    ├── NetworkError
    │   ├── BadRequest "chat not found" ....... BLOCKED
    │   ├── BadRequest (any other 400) ........ REJECTED
    │   ├── TimedOut, connecting or pool ...... TRANSIENT (the request never left)
    │   ├── TimedOut, reading or writing ...... MAYBE_SENT (Telegram may have it)
    │   ├── connection dropped mid-answer ..... MAYBE_SENT
    │   └── (connection refused, 5xx) ......... TRANSIENT
    └── anything else (InvalidToken, ...) ..... TRANSIENT, so fixing the setup recovers

"Maybe sent" matters: a message Telegram accepted whose answer was lost must not be reported
to the care team as undelivered, nor re-sent more than once (scheduler/dispatcher.py).

The bot passed in decides the pace: the Application's ``ExtBot`` carries the bot's pace
(bot/pace.py), which keeps under Telegram's limits for the bot and each chat; a bulk message
(``OutgoingMessage.bulk``: reminders, broadcasts) goes behind alerts and replies, and its 429
comes back here as RETRY_LATER for the dispatcher to retry later.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from care.domain.messaging import Delivery, Keyboard, Outcome, OutgoingMessage

CHAT_NOT_FOUND = "chat not found"


class TelegramMessenger:
    """care.domain.messaging.Messenger implemented with a ``telegram.Bot``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: OutgoingMessage) -> Delivery:
        paced: dict[str, object] = {}
        if message.bulk and getattr(self.bot, "rate_limiter", None) is not None:
            paced["rate_limit_args"] = {"bulk": True}
        try:
            sent = await self.bot.send_message(
                chat_id=message.chat_id,
                text=message.text,
                reply_markup=markup(message.keyboard),
                disable_notification=message.silent or None,
                reply_parameters=_reply_to(message.reply_to),
                **paced,  # type: ignore[arg-type]
            )
        except TelegramError as error:
            return failure(error)
        return Delivery(Outcome.SENT, message_id=sent.message_id)

    async def copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        silent: bool = False,
        reply_to: int | None = None,
    ) -> Delivery:
        """copyMessage: a patient's photo, voice or file shown in the group by its id, no bytes."""
        try:
            copied = await self.bot.copy_message(
                chat_id=chat_id,
                from_chat_id=from_chat_id,
                message_id=message_id,
                disable_notification=silent or None,
                reply_parameters=_reply_to(reply_to),
            )
        except TelegramError as error:
            return failure(error)
        return Delivery(Outcome.SENT, message_id=copied.message_id)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = ()
    ) -> Delivery:
        try:
            edited = await self.bot.edit_message_text(
                chat_id=chat_id, message_id=message_id, text=text, reply_markup=markup(keyboard)
            )
        except TelegramError as error:
            return failure(error)
        return Delivery(
            Outcome.SENT, message_id=edited.message_id if isinstance(edited, Message) else None
        )


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in keyboard]
    )


def failure(error: TelegramError) -> Delivery:
    """The outcome of a Telegram error (see the tree in the module docstring)."""
    detail = str(error.message)[:200]
    if isinstance(error, RetryAfter):
        return Delivery(
            Outcome.RETRY_LATER,
            retry_after=retry_after_seconds(error),
            error_code=429,
            detail=detail,
        )
    if isinstance(error, Forbidden):
        return Delivery(Outcome.BLOCKED, error_code=403, detail=detail)
    if isinstance(error, BadRequest):
        if CHAT_NOT_FOUND in error.message.lower():
            return Delivery(Outcome.BLOCKED, error_code=400, detail=detail)
        return Delivery(Outcome.REJECTED, error_code=400, detail=detail)
    if isinstance(error, TimedOut | NetworkError):
        outcome = Outcome.MAYBE_SENT if maybe_sent(error) else Outcome.TRANSIENT
        return Delivery(outcome, error_code=_status(error.message), detail=detail)
    return Delivery(Outcome.TRANSIENT, detail=f"{type(error).__name__}: {detail}"[:200])


# The request left in full, or may have: Telegram may have acted on it.
_MAYBE_SENT = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError)


def maybe_sent(error: TelegramError) -> bool:
    """A timeout or dropped connection after the request was written (PTB keeps httpx's error
    as the cause). A TimedOut with no cause is PTB's own timer: counted as maybe sent too."""
    cause = error.__cause__
    if isinstance(error, TimedOut) and cause is None:
        return "not* sent" not in error.message
    return isinstance(cause, _MAYBE_SENT)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form is deprecated
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _status(message: str) -> int | None:
    """The HTTP status PTB appends to a bare 5xx message: ``Internal Server Error (500)``."""
    tail = message.rstrip().rsplit("(", 1)[-1].rstrip(")")
    return int(tail) if tail.isdigit() and len(tail) == 3 else None
