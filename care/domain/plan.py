"""The parts of a patient's plan that people choose: approach, level, waking window, language."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from care.domain.errors import InvalidInput
from care.domain.pathway import wall_clock_to_utc


class Approach(enum.StrEnum):
    """The surgical approach: which pathway variant and which texts a patient gets."""

    INTERLAMINAR = "interlaminar"
    TRANSFORAMINAL = "transforaminal"
    BIPORTAL = "biportal"


LANGUAGES = ("ko", "en")
LEVEL = re.compile(r"^[LS][1-5]-[LS]?[1-5]$")

# Waking windows offered at registration: id -> (start, end). Ids travel in callback data.
WINDOWS: dict[str, tuple[time, time]] = {
    "7-21": (time(7), time(21)),
    "8-21": (time(8), time(21)),
    "8-22": (time(8), time(22)),
    "9-22": (time(9), time(22)),
    "10-22": (time(10), time(22)),
}


@dataclass(frozen=True)
class EnrollmentRequest:
    """What a coordinator enters to enrol a patient; validated on construction."""

    surgery_date: date
    approach: Approach
    level: str | None
    language: str
    timezone: str
    display_name: str | None = None
    phone: str | None = None  # shown to coordinators only; erased by /delete

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"{self.timezone!r} is not an IANA time zone") from None
        if self.level is not None and not LEVEL.match(self.level):
            raise InvalidInput(f"level {self.level!r} should look like L4-5 or L5-S1")
        if self.display_name is not None and len(self.display_name) > 80:
            raise InvalidInput("name is longer than 80 characters")
        if self.display_name is not None and not self.display_name.isprintable():
            raise InvalidInput("name has control characters")


PHONE = re.compile(r"^\+?[0-9(][0-9 ()\-]{5,30}$")


def parse_phone(value: str | None) -> str | None:
    """A phone number as the care team writes it (010-1234-5678, +82 10 1234 5678)."""
    if value is None or not value.strip():
        return None
    phone = " ".join(value.split())
    digits = sum(char.isdigit() for char in phone)
    if not PHONE.match(phone) or not 6 <= digits <= 15:
        raise InvalidInput(f"phone {value!r} should look like 010-1234-5678 or +82 10 1234 5678")
    return phone


def parse_approach(value: str) -> Approach:
    try:
        return Approach(value.strip().lower())
    except ValueError:
        names = ", ".join(a.value for a in Approach)
        raise InvalidInput(f"approach {value!r} is not one of {names}") from None


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date like 2026-11-20") from None


def parse_level(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return value.strip().upper().replace("–", "-")


def window(window_id: str) -> tuple[time, time]:
    try:
        return WINDOWS[window_id]
    except KeyError:
        raise InvalidInput(f"unknown waking window {window_id!r}") from None


def next_waking_instant(now: datetime, zone_name: str, start: time, end: time) -> datetime:
    """``now`` if it is inside the local waking window, else the start of the next one (UTC).

    Nothing is sent in a patient's quiet hours except answers to what they ask.
    """
    zone = ZoneInfo(zone_name)
    local = now.astimezone(zone)
    if start <= local.time() < end:
        return now
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return wall_clock_to_utc(day, start, zone)


def window_id(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"
