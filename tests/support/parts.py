"""The scheduler's parts as the composition root builds them, for tests that drive one part
directly: short calls with the test's own database, messenger and clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from care.domain.clock import Clock
from care.domain.messaging import CardMessenger, Messenger
from care.domain.pathway import Pathway
from care.storage.alerts import DEFAULT_REALERT
from care.storage.db import Database
from messages.catalog import Catalog
from scheduler.dispatcher import Dispatcher
from scheduler.escalation import Escalator
from scheduler.progress import BroadcastProgress
from scheduler.runner import Role, SchedulerConfig, SchedulerRunner
from spinecare.bootstrap import build_catalog, build_scheduler

# The catalogue with the settings' default numbers, as bootstrap builds it.
CATALOG = build_catalog(emergency_number="119", clinic_phone="the clinic")


def build_escalator(
    db: Database,
    messenger: Messenger,
    clock: Clock,
    *,
    coordinator_chat_id: int | None,
    catalog: Catalog = CATALOG,
    **options: Any,
) -> Escalator:
    return Escalator(
        db, messenger, clock, catalog=catalog, coordinator_chat_id=coordinator_chat_id, **options
    )


def build_dispatcher(
    db: Database,
    messenger: Messenger,
    clock: Clock,
    *,
    worker_id: str = "w",
    coordinator_chat_id: int | None = None,
    escalation_chat_id: int | None = None,
    realert: timedelta = DEFAULT_REALERT,
    catalog: Catalog = CATALOG,
    **options: Any,
) -> Dispatcher:
    """A dispatcher; with a coordinators' chat, an escalator posts the alerts it opens."""
    escalator = (
        None
        if coordinator_chat_id is None
        else build_escalator(
            db,
            messenger,
            clock,
            coordinator_chat_id=coordinator_chat_id,
            escalation_chat_id=escalation_chat_id,
            realert=realert,
            catalog=catalog,
        )
    )
    return Dispatcher(
        db,
        messenger,
        clock,
        worker_id=worker_id,
        catalog=catalog,
        escalator=escalator,
        realert=realert,
        **options,
    )


def build_progress(
    db: Database, messenger: Messenger, clock: Clock, **options: Any
) -> BroadcastProgress:
    return BroadcastProgress(db, messenger, clock, catalog=CATALOG, **options)


def build_runner(
    db: Database,
    messenger: Messenger,
    clock: Clock,
    pathway: Pathway,
    config: SchedulerConfig,
    *,
    role: Role = "all",
    card_messenger: CardMessenger | None = None,
) -> SchedulerRunner:
    return build_scheduler(
        db, messenger, clock, pathway, CATALOG, config, role=role, card_messenger=card_messenger
    )
