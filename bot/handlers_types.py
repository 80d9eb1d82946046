"""The shape of a button handler, shared by the modules that handle buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import CallbackQuery

from bot.services import BotServices
from care.domain.callbacks import Callback

ButtonHandler = Callable[[CallbackQuery, Callback, BotServices, int], Awaitable[None]]
