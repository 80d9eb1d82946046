"""Settings from the environment (prefix SPINECARE_) and an optional .env file.

Nothing reads settings at import time: the composition root calls ``load_settings()``
once and passes values on. A bad value raises ConfigError with one line that names the
variable and what is wrong.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from care.domain import office_hours as hours_spec
from care.domain.errors import ConfigError, InvalidInput
from care.domain.questionnaires import Questionnaire, load_questionnaire

TELEGRAM_API_URL = "https://api.telegram.org/bot"
ASYNC_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}
ENV_PREFIX = "SPINECARE_"


@cache
def _questionnaire(path: Path) -> Questionnaire:
    """Read once: the settings check it and the service and CLI then use it."""
    return load_questionnaire(path)


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./spinecare.db"
    telegram_token: str | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    coordinator_chat_id: int | None = None
    coordinator_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    escalation_chat_id: int | None = None
    timezone: str = "Asia/Seoul"
    language: Literal["ko", "en"] = "ko"
    emergency_number: str = "119"
    clinic_phone: str = "the clinic"
    invite_ttl_days: int = Field(default=14, ge=1, le=90)
    waking_start: time = time(8, 0)
    waking_end: time = time(21, 0)
    realert_minutes: int = Field(default=15, ge=1, le=240)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    sandbox_port: int = Field(default=8081, ge=0, le=65535)
    webhook_url: str | None = None
    webhook_secret: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{16,256}$")
    webhook_listen: str = Field(default="127.0.0.1:8443", pattern=r"^[^:]*:\d{1,5}$")
    questionnaire_file: Path | None = None
    console_listen: str = Field(default="127.0.0.1:8080", pattern=r"^[^:]*:\d{1,5}$")
    console_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    office_hours: str = hours_spec.DEFAULT  # when the team reads messages, clinic's zone
    # Updates that arrive while the database is down wait here, replayed when it is back.
    journal_path: Path = Path("spinecare-journal.jsonl")
    journal_replay_seconds: float = Field(default=2.0, gt=0, le=3600)

    @field_validator("questionnaire_file")
    @classmethod
    def _questionnaire_file(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                _questionnaire(value)  # a bad file stops start-up, saying what is wrong
            except ConfigError as error:
                raise ValueError(str(error)) from None
        return value

    @property
    def questionnaire(self) -> Questionnaire | None:
        """The clinic's licensed outcome questionnaire, if it configured one."""
        return None if self.questionnaire_file is None else _questionnaire(self.questionnaire_file)

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _coordinator_ids(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; use sqlite+aiosqlite:///path.db "
                "or postgresql+asyncpg://user@host:5432/db"
            ) from None
        if url.drivername not in ASYNC_DRIVERS:
            raise ValueError(
                f"driver {url.drivername!r} is not supported; use one of {sorted(ASYNC_DRIVERS)}"
            )
        return value

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        try:
            hours_spec.parse(value)
        except InvalidInput as error:
            raise ValueError(str(error)) from None
        return value

    @property
    def hours(self) -> hours_spec.OfficeHours:
        """The office hours, in the clinic's zone."""
        return hours_spec.parse(self.office_hours, self.timezone)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Seoul") from None
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        """Accept the server's address with or without the ``/bot`` that methods hang from."""
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:8081/bot")
        value = value.rstrip("/")
        return value if value.endswith("/bot") else value + "/bot"

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                "SPINECARE_WEBHOOK_SECRET is required with SPINECARE_WEBHOOK_URL "
                "(16-256 letters, digits, _ or -): updates without it are refused"
            )
        if not self.waking_start < self.waking_end:
            raise ValueError("SPINECARE_WAKING_START must be earlier than SPINECARE_WAKING_END")
        return self

    @property
    def realert_after(self) -> timedelta:
        return timedelta(minutes=self.realert_minutes)

    @property
    def console_public_url(self) -> str:
        """Where coordinators open the console (its sign-in links start with this)."""
        if self.console_url is not None:
            return self.console_url.rstrip("/")
        host, _, port = self.console_listen.rpartition(":")
        return f"http://{host or '127.0.0.1'}:{port}"

    @property
    def uses_sandbox(self) -> bool:
        return self.telegram_token is None


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise ConfigError naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings names its variables itself
            raise ConfigError(message) from None
        raise ConfigError(f"{ENV_PREFIX}{str(first['loc'][0]).upper()}: {message}") from None
