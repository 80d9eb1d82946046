"""Broadcast audiences: what a coordinator types (``week:1-2``) and the patients it selects.

``all`` active patients; ``week:1-2`` patients in post-op weeks 1 to 2 (week 1 is days 0-6,
the surgery day being day 0, counted in the patient's own time zone);
``approach:transforaminal``; ``language:en``; ``patient:CODE``. Only active patients with a
linked chat are ever selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import require_aware
from care.domain.codes import normalise_patient_code
from care.domain.errors import InvalidInput, NotFound
from care.domain.kinds import AudienceKind
from care.domain.plan import LANGUAGES, Approach, parse_approach
from care.storage.models import Patient, PatientStatus

MAX_WEEK = 52

AUDIENCE_HELP = "all, week:1-2, approach:transforaminal, language:en or patient:CODE"


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to; ``str()`` gives the canonical form that ``parse_audience`` reads."""

    kind: AudienceKind
    first_week: int | None = None
    last_week: int | None = None
    approach: Approach | None = None
    language: str | None = None
    patient_code: str | None = None

    def __str__(self) -> str:
        match self.kind:
            case AudienceKind.WEEK:
                if self.first_week == self.last_week:
                    return f"week:{self.first_week}"
                return f"week:{self.first_week}-{self.last_week}"
            case AudienceKind.APPROACH:
                assert self.approach is not None
                return f"approach:{self.approach.value}"
            case AudienceKind.LANGUAGE:
                return f"language:{self.language}"
            case AudienceKind.PATIENT:
                return f"patient:{self.patient_code}"
        return str(AudienceKind.ALL)


def parse_audience(text: str) -> Audience:
    """Read an audience such as ``week:1-2``; raise InvalidInput saying what is accepted."""
    spec = text.strip()
    key, separator, value = spec.partition(":")
    key, value = key.strip().lower(), value.strip()
    if key == AudienceKind.ALL and not separator:
        return Audience(AudienceKind.ALL)
    if not value:
        raise InvalidInput(f"audience {spec!r} not understood; use {AUDIENCE_HELP}")
    if key == AudienceKind.WEEK:
        first, last = _weeks(value)
        return Audience(AudienceKind.WEEK, first_week=first, last_week=last)
    if key == AudienceKind.APPROACH:
        return Audience(AudienceKind.APPROACH, approach=parse_approach(value))
    if key == AudienceKind.LANGUAGE:
        if value.lower() not in LANGUAGES:
            raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
        return Audience(AudienceKind.LANGUAGE, language=value.lower())
    if key == AudienceKind.PATIENT:
        code = normalise_patient_code(value)
        if len(code) > 16 or not all(c.isalnum() or c == "-" for c in code):
            raise InvalidInput(f"{value!r} is not a patient code such as P-7KQ2MX")
        return Audience(AudienceKind.PATIENT, patient_code=code)
    raise InvalidInput(f"audience {spec!r} not understood; use {AUDIENCE_HELP}")


def _weeks(value: str) -> tuple[int, int]:
    first_text, dash, last_text = value.replace("–", "-").partition("-")
    try:
        first = int(first_text)
        last = int(last_text) if dash else first
    except ValueError:
        raise InvalidInput(f"week range {value!r} should look like 1-2 or 3") from None
    if not 1 <= first <= last <= MAX_WEEK:
        raise InvalidInput(f"weeks run from 1 to {MAX_WEEK}, the first not after the last")
    return first, last


def post_op_week(surgery_date: date, zone: str, now: datetime) -> int | None:
    """Week 1 is days 0-6 after surgery in the patient's zone; None before the surgery."""
    day = (require_aware(now).astimezone(ZoneInfo(zone)).date() - surgery_date).days
    return day // 7 + 1 if day >= 0 else None


@dataclass(frozen=True)
class Recipient:
    patient_id: int
    language: str
    timezone: str
    waking_start: time
    waking_end: time


async def recipients(session: AsyncSession, audience: Audience, now: datetime) -> list[Recipient]:
    """Active patients with a chat who match the audience, by patient id."""
    query = (
        select(
            Patient.id,
            Patient.language,
            Patient.timezone,
            Patient.surgery_date,
            Patient.waking_start,
            Patient.waking_end,
        )
        .where(Patient.status == PatientStatus.ACTIVE, Patient.chat_id.is_not(None))
        .order_by(Patient.id)
    )
    if audience.kind == AudienceKind.APPROACH:
        query = query.where(Patient.approach == audience.approach)
    elif audience.kind == AudienceKind.LANGUAGE:
        query = query.where(Patient.language == audience.language)
    elif audience.kind == AudienceKind.PATIENT:
        exists = await session.scalar(
            select(Patient.id).where(Patient.code == audience.patient_code)
        )
        if exists is None:
            raise NotFound(f"no patient {audience.patient_code}")
        query = query.where(Patient.code == audience.patient_code)
    elif audience.kind == AudienceKind.WEEK:
        assert audience.first_week is not None and audience.last_week is not None
        today = require_aware(now).astimezone(UTC).date()
        # a day of margin either way: the patient's local date may differ from UTC's
        earliest = today - timedelta(days=7 * audience.last_week + 1)
        latest = today - timedelta(days=7 * (audience.first_week - 1) - 1)
        query = query.where(Patient.surgery_date.between(earliest, latest))
    found: list[Recipient] = []
    for row in (await session.execute(query)).all():
        if audience.kind == AudienceKind.WEEK:
            week = post_op_week(row.surgery_date, row.timezone, now)
            assert audience.first_week is not None and audience.last_week is not None
            if week is None or not audience.first_week <= week <= audience.last_week:
                continue
        found.append(
            Recipient(row.id, row.language, row.timezone, row.waking_start, row.waking_end)
        )
    return found


async def preview(session: AsyncSession, audience: Audience, now: datetime) -> int:
    """How many patients a broadcast to this audience would reach now."""
    return len(await recipients(session, audience, now))
