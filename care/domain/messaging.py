"""The messenger port: how care/ and the scheduler send without knowing Telegram.

``bot/messenger.py`` implements it over python-telegram-bot; tests use a recording fake.
Telegram's answers are folded into a few outcomes the dispatcher knows how to handle.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Button:
    text: str
    data: str  # callback data, made with care.domain.callbacks.encode


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class OutgoingMessage:
    chat_id: int
    text: str
    keyboard: Keyboard = ()
    silent: bool = False  # disable_notification: the chat gets it without a sound
    reply_to: int | None = None  # a message of the same chat this one answers
    bulk: bool = False  # a reminder or broadcast: paced behind alerts and replies


class Outcome(enum.StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403 or chat not found: the patient cannot be reached
    RETRY_LATER = "retry_later"  # 429: wait retry_after seconds
    TRANSIENT = "transient"  # not sent (connection refused, 5xx): retry with backoff
    MAYBE_SENT = "maybe_sent"  # the request went out and no answer came (read timeout,
    # connection dropped): Telegram may have delivered it; never reported as failed
    REJECTED = "rejected"  # any other 4xx: retrying will not help


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float | None = None
    error_code: int | None = None
    detail: str | None = None


class Messenger(Protocol):
    async def send(self, message: OutgoingMessage) -> Delivery: ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = ()
    ) -> Delivery: ...


class CardMessenger(Messenger, Protocol):
    """A messenger that can also copy a message (a patient's photo) into another chat."""

    async def copy(
        self,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        *,
        silent: bool = False,
        reply_to: int | None = None,
    ) -> Delivery: ...
