"""The "done" and "later" buttons under a posture reminder: parse, use case, render."""

from __future__ import annotations

from telegram import CallbackQuery, Message

from bot.services import BotServices
from care.domain.callbacks import Callback
from care.usecases.posture import answer_posture_reminder


async def on_posture_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """Record "done", or bring the reminder back in an hour; the buttons go away either way."""
    answer = await answer_posture_reminder(
        services.db,
        services.clock,
        chat_id=chat_id,
        message_id=callback.arg_int(0),
        done=callback.action == "pdone",
    )
    original = query.message.text if isinstance(query.message, Message) else None
    note = services.text(answer.language, answer.key)
    await query.edit_message_text(f"{original}\n\n{note}" if original else note)
