"""What the handlers need, built by the composition root and kept in ``bot_data``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import ContextTypes

from bot.kick import Kick
from care.domain.clock import Clock, SystemClock
from care.domain.office_hours import DEFAULT as DEFAULT_HOURS
from care.domain.office_hours import OfficeHours
from care.domain.office_hours import parse as parse_office_hours
from care.domain.pathway import Pathway
from care.domain.questionnaires import Questionnaire
from care.storage.db import Database
from care.storage.journal import Journal
from care.storage.throttle import AttemptThrottle
from messages.catalog import Catalog

DEFAULT_JOURNAL = "spinecare-journal.jsonl"
REFUSALS_CHECKED = "10/minute"
PRIVATE_NOTICE = "1/10 minutes"


@dataclass(frozen=True)
class BotConfig:
    default_language: str = "ko"
    default_timezone: str = "Asia/Seoul"
    emergency_number: str = "119"
    clinic_phone: str = "the clinic"
    coordinator_chat_id: int | None = None
    coordinator_ids: frozenset[int] = field(default_factory=frozenset)
    invite_ttl_days: int = 14
    realert: timedelta = timedelta(minutes=15)
    default_window: tuple[time, time] = (time(8, 0), time(21, 0))
    console_url: str = "http://127.0.0.1:8080"  # the web console's sign-in links start here
    office_hours: OfficeHours = field(default_factory=lambda: parse_office_hours(DEFAULT_HOURS))


@dataclass(frozen=True)
class BotServices:
    db: Database
    clock: Clock
    catalog: Catalog
    config: BotConfig
    pathway: Pathway
    questionnaire: Questionnaire | None = None  # a clinic's licensed outcome questionnaire
    invite_throttle: AttemptThrottle = field(default_factory=AttemptThrottle)
    # Refusals of coordinator actions, per user: checked, audited and answered up to this
    # rate; beyond it refused from memory (no database, no answer) until the minute passes.
    refusal_throttle: AttemptThrottle = field(
        default_factory=lambda: AttemptThrottle(REFUSALS_CHECKED)
    )
    # A refusal in a group is never answered there: one private word per user and period.
    refusal_notice: AttemptThrottle = field(default_factory=lambda: AttemptThrottle(PRIVATE_NOTICE))
    post_alerts: Kick = field(default_factory=Kick)
    journal: Journal = field(default_factory=lambda: Journal(Path(DEFAULT_JOURNAL)))
    replaying: set[int] = field(default_factory=set)  # update ids being replayed from it
    replay_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # The console's sign-in links expire on the wall clock, not the (demo) care clock.
    wall_clock: Clock = field(default_factory=SystemClock)

    def text(self, language: str, key: str, /, **values: object) -> str:
        """A text in the language, with the clinic's numbers filled in where it uses them."""
        return self.catalog.text(
            language,
            key,
            emergency_number=self.config.emergency_number,
            clinic_phone=self.config.clinic_phone,
            **values,
        )


def services_of(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    services: Any = context.application.bot_data["services"]
    assert isinstance(services, BotServices)
    return services
