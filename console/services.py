"""What the console needs, built by the composition root (spinecare/console_wiring.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from care.domain.clock import Clock, SystemClock
from care.domain.messaging import Messenger
from care.domain.pathway import Pathway
from care.domain.questionnaires import Questionnaire
from care.storage.db import Database
from messages.catalog import Catalog

DemoStep = Literal["hour", "day", "next"]


class DemoControl(Protocol):
    """The sandbox's demo clock (absent with a real token): move the care clock forward and
    let the scheduler do what falls due on the way."""

    def now(self) -> datetime: ...

    async def step(self, step: DemoStep) -> datetime: ...


@dataclass(frozen=True)
class ConsoleConfig:
    coordinator_ids: frozenset[int] = frozenset()
    default_language: str = "ko"
    timezone: str = "Asia/Seoul"  # the clinic's zone, for times shown
    public_url: str = "http://127.0.0.1:8080"
    coordinator_chat_id: int | None = None
    emergency_number: str = "119"
    clinic_phone: str = "the clinic"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class ConsoleServices:
    db: Database
    clock: Clock  # the care clock (the demo clock in the sandbox)
    catalog: Catalog
    pathway: Pathway
    messenger: Messenger
    config: ConsoleConfig
    wall: Clock = field(default_factory=SystemClock)  # sign-in links and session idle time
    demo: DemoControl | None = None
    questionnaire: Questionnaire | None = None

    def text(self, language: str, key: str, /, **values: object) -> str:
        """A patient text, with the clinic's numbers filled in where it uses them (as the bot)."""
        return self.catalog.text(
            language,
            key,
            emergency_number=self.config.emergency_number,
            clinic_phone=self.config.clinic_phone,
            **values,
        )

    def link(self, token: str) -> str:
        return f"{self.config.public_url.rstrip('/')}/signin?token={token}"
