"""The "done" and "later" buttons under a posture reminder."""

from __future__ import annotations

from telegram import CallbackQuery, Message

from bot.services import BotServices
from care.domain.callbacks import Callback
from care.domain.errors import InvalidInput
from care.storage import patients, reminders


async def on_posture_button(
    query: CallbackQuery, callback: Callback, services: BotServices, chat_id: int
) -> None:
    """Record "done", or bring the reminder back in an hour; the buttons go away either way."""
    now = services.clock.now()
    async with services.db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id, lock=True)
        if patient is None:
            raise InvalidInput("posture button from a chat with no patient")
        message_id = callback.arg_int(0)
        if callback.action == "pdone":
            await reminders.done(uow.session, patient, message_id, now=now)
            key = "posture.done"
        else:
            due = await reminders.later(uow.session, patient, message_id, now=now)
            key = "posture.later" if due is not None else "posture.later_tomorrow"
        await uow.commit()
    original = query.message.text if isinstance(query.message, Message) else None
    note = services.text(patient.language, key)
    await query.edit_message_text(f"{original}\n\n{note}" if original else note)
