"""Fault injection: the next N calls of a method answer a given status, answer late, or never.

``status=None`` carries the call out: with ``delay`` it is answered late (Telegram accepted
the message and the client timed out waiting), with ``drop`` the connection is closed after
the call without an answer. A status with ``drop`` closes the connection without carrying
the call out.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from sandbox.errors import BotApiError

ANY_METHOD = "*"


@dataclass
class Fault:
    method: str
    count: int = 1
    status: int | None = 500
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    drop: bool = False

    def error(self) -> BotApiError | None:
        if self.status is None:
            return None
        if self.status == 429:
            retry_after = max(1, self.retry_after or 1)
            return BotApiError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )
        description = self.description or _phrase(self.status)
        parameters = {"retry_after": self.retry_after} if self.retry_after else None
        return BotApiError(self.status, description, parameters)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "count": self.count,
            "status": self.status,
            "description": self.description,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "drop": self.drop,
        }


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Faults:
    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self.injected = 0

    def add(self, fault: Fault) -> None:
        fault.method = fault.method.lower()
        self._pending.append(fault)

    def clear(self) -> None:
        self._pending.clear()

    def pending(self) -> list[Fault]:
        return list(self._pending)

    def take(self, method: str) -> Fault | None:
        """The fault for this call of `method` (lower-cased), if one is armed."""
        for fault in self._pending:
            if fault.method in (method, ANY_METHOD):
                fault.count -= 1
                if fault.count <= 0:
                    self._pending.remove(fault)
                self.injected += 1
                return fault
        return None
