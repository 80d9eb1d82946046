"""Callback data: short, versioned, validated. Never trusted: handlers also check who pressed.

Format ``1|<action>|<arg>|<arg>...``: at most 64 bytes (Telegram's limit), arguments of
letters, digits, ``_``, ``-``, ``.`` and ``:``. Each action has a fixed number of arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from care.domain.errors import InvalidInput

VERSION = "1"
MAX_BYTES = 64
ARG = re.compile(r"^[A-Za-z0-9_.:\-]{1,24}$")
MAX_ID = 2**31 - 1  # the largest id an Integer column holds on PostgreSQL (int4)

# action -> number of arguments
ACTIONS: dict[str, int] = {
    "lang": 1,  # registration: language ko|en
    "consent": 1,  # registration: consent to the service yes|no
    "hconsent": 1,  # registration: consent to health data yes|no
    "setlang": 1,  # /language: ko|en (a registered patient)
    "sdate": 1,  # registration: surgery date confirmed yes|no
    "wake": 1,  # registration: waking window id
    "pdone": 1,  # posture reminder done: scheduled message id
    "plater": 1,  # posture reminder later: scheduled message id
    "ci": 1,  # start the check-in of a scheduled message id ("now" for /checkin)
    "ans": 3,  # check-in answer: check-in id, question id, option id
    "ftc": 2,  # free-text follow-up: inbound message id, answer id (signs.yaml)
    "ack": 1,  # alert acknowledged: alert id
    "called": 1,  # alert: patient called: alert id
    "del": 1,  # /delete confirmation: yes|no
    "bc": 2,  # broadcast: broadcast id, send|cancel
    "page": 2,  # coordinator list paging: list name, page number
    "hdl": 2,  # conversation item handled: item id, "c" on a card or the /inbox page number
    "inbox": 1,  # /inbox paging: page number
}


@dataclass(frozen=True)
class Callback:
    action: str
    args: tuple[str, ...]

    def arg_int(self, index: int, *, maximum: int = MAX_ID) -> int:
        """A numeric argument within 0..maximum: a row id fits PostgreSQL's int4 (and SQLite's
        int64); a longer forged number is refused before it reaches a query."""
        value = self.args[index]
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
            raise InvalidInput(f"callback argument {index} of {self.action} is not a number")
        number = int(value)
        if number > maximum:
            raise InvalidInput(f"callback argument {index} of {self.action} is out of range")
        return number


def encode(action: str, *args: object) -> str:
    if ACTIONS.get(action) != len(args):
        raise ValueError(f"action {action!r} takes {ACTIONS.get(action)} arguments")
    parts = [str(arg) for arg in args]
    for part in parts:
        if not ARG.match(part):
            raise ValueError(f"callback argument {part!r} has characters that are not allowed")
    data = "|".join([VERSION, action, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_BYTES} bytes")
    return data


def decode(data: str) -> Callback:
    """Parse callback data from a client; raise InvalidInput for anything not made by encode."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise InvalidInput("callback data empty or too long")
    version, _, rest = data.partition("|")
    if version != VERSION:
        raise InvalidInput(f"callback data version {version!r} not understood")
    action, *args = rest.split("|")
    if ACTIONS.get(action) != len(args) or not all(ARG.match(arg) for arg in args):
        raise InvalidInput("callback data malformed")
    return Callback(action, tuple(args))
