"""A fake Messenger for tests that need no Telegram: it records what it is asked to send."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from care.domain.callbacks import decode
from care.domain.messaging import Delivery, Keyboard, Outcome, OutgoingMessage
from care.storage.db import in_unit_of_work

Script = Callable[[OutgoingMessage], Delivery]


@dataclass(frozen=True)
class Edit:
    chat_id: int
    message_id: int
    text: str
    keyboard: Keyboard


class RecordingMessenger:
    """Records each call; sends and edits succeed unless told otherwise.

    ``answers``: deliveries given, in turn, to the next calls (send or edit) instead of
    success. ``script``: a function that may answer a send otherwise. ``sent`` and ``edits``
    hold what went through; ``calls`` names every call in order, refused ones included.

    It also counts the calls made inside an open unit of work (``inside_transaction``); every
    one made in a scheduler test is checked at its end (tests/schedule/conftest.py): none may be.
    """

    made: ClassVar[list[RecordingMessenger]] = []  # this test's messengers

    def __init__(self, script: Script | None = None, *, pause: float = 0.0) -> None:
        self.inside_transaction = 0
        RecordingMessenger.made.append(self)
        self.sent: list[OutgoingMessage] = []
        self.edits: list[Edit] = []
        self.calls: list[str] = []
        self.answers: list[Delivery] = []
        self.script = script
        self.pause = pause
        self._next_id = 0

    def note_call(self) -> None:
        self.inside_transaction += in_unit_of_work()

    async def send(self, message: OutgoingMessage) -> Delivery:
        self.note_call()
        self.calls.append("send")
        if self.pause:
            await asyncio.sleep(self.pause)  # lets concurrent workers interleave
        if self.answers:
            return self.answers.pop(0)
        if self.script is not None:
            delivery = self.script(message)
            if delivery.outcome != Outcome.SENT:
                return delivery
        self._next_id += 1
        self.sent.append(message)
        return Delivery(Outcome.SENT, message_id=self._next_id)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = ()
    ) -> Delivery:
        self.note_call()
        self.calls.append("edit")
        if self.answers:
            return self.answers.pop(0)
        self.edits.append(Edit(chat_id, message_id, text, keyboard))
        return Delivery(Outcome.SENT, message_id=message_id)

    def to(self, chat_id: int) -> list[OutgoingMessage]:
        return [message for message in self.sent if message.chat_id == chat_id]


class HeldMessenger(RecordingMessenger):
    """Holds every send until ``release`` is set: a batch caught in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, message: OutgoingMessage) -> Delivery:
        self.started.set()
        await self.release.wait()
        return await super().send(message)


def message_ids(keyboards: Sequence[Keyboard]) -> list[int]:
    """The scheduled-message ids in "pdone"/"ci" buttons: which row each sent message was."""
    found: list[int] = []
    for keyboard in keyboards:
        for row in keyboard:
            for button in row:
                callback = decode(button.data)
                if callback.action in ("pdone", "ci"):
                    found.append(callback.arg_int(0))
    return found
