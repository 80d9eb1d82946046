"""The composition root: the one place where the service's parts are built from the settings.

``start_service`` (spinecare/service.py) runs what is built here: it starts and stops the
parts but builds none itself. Tests build the same parts with their own clock and messenger
(tests/support/parts.py). What is loaded from files (the text catalogue, the pathway, the
triage tables) is loaded here once and passed in; no part loads its own.

The CLI's commands open the database here; only ``spinecare run`` (spinecare/service.py)
and ``spinecare db upgrade`` change the schema, every other command refuses a schema that
is behind with one line that says to run ``spinecare db upgrade``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import BotConfig, BotServices
from care.domain.clock import Clock, SystemClock
from care.domain.errors import ConfigError
from care.domain.faq import load_faq
from care.domain.messaging import CardMessenger, Messenger
from care.domain.pathway import Pathway, load_pathway
from care.domain.questionnaires import Questionnaire
from care.domain.triage.checkin import load_checkin_rules
from care.domain.triage.rules import load_free_text_rules
from care.domain.triage.signs import load_signs
from care.settings import Settings
from care.storage import migrate
from care.storage.db import Database
from care.storage.journal import Journal
from console.services import ConsoleConfig, ConsoleServices, DemoControl
from messages.catalog import Catalog, load_catalog
from scheduler.cards import CardPoster, MorningDigest
from scheduler.dispatcher import Dispatcher, RetryPolicy
from scheduler.escalation import Escalator
from scheduler.progress import BroadcastProgress
from scheduler.runner import Role, SchedulerConfig, SchedulerRunner, worker_name

SANDBOX_COORDINATOR_CHAT = -1000000000001


async def open_database(settings: Settings) -> Database:
    """The database of a CLI command, after checking its schema is the one the code needs."""
    await migrate.require_current(settings.database_url)
    return Database(settings.database_url)


# settings checks


def check_alert_route(settings: Settings) -> Settings:
    """Alerts must reach people: a real bot needs the coordinators' chat; the sandbox has one."""
    if settings.coordinator_chat_id is not None:
        return settings
    if not settings.uses_sandbox:
        raise ConfigError(
            "SPINECARE_COORDINATOR_CHAT_ID: required with a real token, or warning signs "
            "would reach nobody; add the bot to the coordinators' group and set its id"
        )
    return settings.model_copy(update={"coordinator_chat_id": SANDBOX_COORDINATOR_CHAT})


def check_role(settings: Settings, role: Role) -> None:
    if role != "all" and Database(settings.database_url).is_sqlite:
        raise ConfigError(
            f"SPINECARE_DATABASE_URL: --role {role} means several processes, which need "
            "PostgreSQL (postgresql+asyncpg://...); SQLite serves one process with --role all"
        )


# what is loaded from files, once


def build_catalog(
    *, emergency_number: str, clinic_phone: str, questionnaire: Questionnaire | None = None
) -> Catalog:
    """The text catalogue: the .po files, a clinic's questionnaire texts, and the clinic's
    numbers filled into every text that uses them (the warning-sign card among them)."""
    catalog = load_catalog()
    if questionnaire is not None:
        catalog = catalog.with_texts(questionnaire.texts)
    return catalog.with_values(emergency_number=emergency_number, clinic_phone=clinic_phone)


def check_clinical_tables() -> None:
    """Clinicians edit the triage tables: a mistake stops start-up here rather than at a
    patient's first message, which would also pay the rules' load time (about 0.3 s).

    The tables stay cached in their modules (care/domain/triage) for now; the handlers read
    them from there."""
    load_free_text_rules()
    load_checkin_rules()
    load_signs()
    load_faq()


@dataclass(frozen=True)
class Core:
    """The parts every adapter shares (the bot, the scheduler, the console)."""

    settings: Settings
    db: Database
    clock: Clock
    catalog: Catalog
    pathway: Pathway
    questionnaire: Questionnaire | None


def build_core(settings: Settings, clock: Clock) -> Core:
    questionnaire = settings.questionnaire
    catalog = build_catalog(
        emergency_number=settings.emergency_number,
        clinic_phone=settings.clinic_phone,
        questionnaire=questionnaire,
    )
    pathway = load_pathway()
    check_clinical_tables()
    return Core(settings, Database(settings.database_url), clock, catalog, pathway, questionnaire)


# the scheduler


def build_escalator(
    db: Database,
    messenger: Messenger,
    clock: Clock,
    catalog: Catalog,
    config: SchedulerConfig,
    *,
    worker_id: str | None = None,
) -> Escalator:
    return Escalator(
        db,
        messenger,
        clock,
        catalog=catalog,
        coordinator_chat_id=config.coordinator_chat_id,
        escalation_chat_id=config.escalation_chat_id,
        realert=config.realert,
        language=config.language,
        worker_id=worker_id,
    )


def build_dispatcher(
    db: Database,
    messenger: Messenger,
    clock: Clock,
    catalog: Catalog,
    config: SchedulerConfig,
    *,
    worker_id: str,
    escalator: Escalator | None,
) -> Dispatcher:
    return Dispatcher(
        db,
        messenger,
        clock,
        worker_id=worker_id,
        batch=config.batch,
        lease=config.lease,
        concurrency=config.concurrency,
        realert=config.realert,
        retry=RetryPolicy(max_attempts=config.max_attempts),
        catalog=catalog,
        escalator=escalator,
    )


def build_scheduler(
    db: Database,
    messenger: Messenger,
    clock: Clock,
    pathway: Pathway,
    catalog: Catalog,
    config: SchedulerConfig,
    *,
    role: Role = "all",
    worker_id: str | None = None,
    card_messenger: CardMessenger | None = None,
) -> SchedulerRunner:
    """The scheduler's jobs and the parts they run: one Escalator, shared by the dispatcher
    (which posts the alerts a batch opens at once) and the escalate job."""
    worker_id = worker_id or worker_name(role)
    escalator = build_escalator(db, messenger, clock, catalog, config, worker_id=worker_id)
    dispatcher = build_dispatcher(
        db, messenger, clock, catalog, config, worker_id=worker_id, escalator=escalator
    )
    progress = BroadcastProgress(db, messenger, clock, catalog=catalog, language=config.language)
    cards = digest = None
    if card_messenger is not None:
        cards = CardPoster(
            db,
            card_messenger,
            clock,
            coordinator_chat_id=config.coordinator_chat_id,
            catalog=catalog,
            language=config.language,
            realert=config.realert,
            lease=config.lease,
        )
        digest = MorningDigest(
            db,
            card_messenger,
            clock,
            hours=config.office_hours,
            coordinator_chat_id=config.coordinator_chat_id,
            catalog=catalog,
            language=config.language,
        )
    return SchedulerRunner(
        db,
        clock,
        pathway,
        config,
        escalator=escalator,
        dispatcher=dispatcher,
        progress=progress,
        cards=cards,
        digest=digest,
        worker_id=worker_id,
        role=role,
    )


# the bot and the console


def bot_config(settings: Settings) -> BotConfig:
    return BotConfig(
        default_language=settings.language,
        default_timezone=settings.timezone,
        emergency_number=settings.emergency_number,
        clinic_phone=settings.clinic_phone,
        coordinator_chat_id=settings.coordinator_chat_id,
        coordinator_ids=frozenset(settings.coordinator_ids),
        invite_ttl_days=settings.invite_ttl_days,
        realert=settings.realert_after,
        default_window=(settings.waking_start, settings.waking_end),
        console_url=settings.console_public_url,
        office_hours=settings.hours,
    )


def build_bot_services(core: Core) -> BotServices:
    return BotServices(
        db=core.db,
        clock=core.clock,
        catalog=core.catalog,
        config=bot_config(core.settings),
        pathway=core.pathway,
        questionnaire=core.questionnaire,
        journal=Journal(core.settings.journal_path),
    )


def build_console_services(
    settings: Settings,
    services: BotServices,
    messenger: Messenger,
    *,
    demo: DemoControl | None = None,
    wall: Clock | None = None,
) -> ConsoleServices:
    """The console shares the bot's database, clock, catalogue and pathway."""
    return ConsoleServices(
        db=services.db,
        clock=services.clock,
        catalog=services.catalog,
        pathway=services.pathway,
        messenger=messenger,
        config=ConsoleConfig(
            coordinator_ids=frozenset(settings.coordinator_ids),
            default_language=settings.language,
            timezone=settings.timezone,
            public_url=settings.console_public_url,
            coordinator_chat_id=settings.coordinator_chat_id,
            emergency_number=settings.emergency_number,
            clinic_phone=settings.clinic_phone,
        ),
        wall=wall or SystemClock(),
        demo=demo,
        questionnaire=services.questionnaire,
    )
