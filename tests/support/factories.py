"""Rows written straight into the database: patients, due messages, broadcasts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from care.domain.plan import Approach
from care.storage import broadcasts
from care.storage.audiences import parse_audience
from care.storage.db import Database
from care.storage.models import (
    Broadcast,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)

SEOUL = ZoneInfo("Asia/Seoul")
DAYTIME = (time(8, 0), time(21, 0))


def seoul(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware UTC instant from a Seoul wall-clock time."""
    return datetime.combine(day, time(hour, minute), SEOUL).astimezone(UTC)


def patient_row(
    code: str,
    *,
    now: datetime,
    chat_id: int | None,
    surgery_date: date | None = date(2026, 11, 20),
    approach: Approach = Approach.TRANSFORAMINAL,
    level: str | None = "L4-5",
    language: str = "ko",
    timezone: str = "Asia/Seoul",
    status: PatientStatus = PatientStatus.ACTIVE,
    waking: tuple[time, time] = DAYTIME,
    consented: bool = True,
) -> Patient:
    """A patient not yet added; with a chat and ``consented`` it has registered ``now``."""
    return Patient(
        code=code,
        chat_id=chat_id,
        language=language,
        timezone=timezone,
        surgery_date=surgery_date,
        approach=approach,
        level=level,
        status=status,
        waking_start=waking[0],
        waking_end=waking[1],
        consented_at=now if chat_id and consented else None,
        created_at=now,
        updated_at=now,
    )


async def add_patient(
    db: Database,
    code: str = "P0001",
    *,
    now: datetime,
    chat_id: int | None = 1001,
    **fields: Any,
) -> int:
    """One patient (``patient_row``'s fields), committed. Returns its id."""
    async with db.uow() as uow:
        patient = patient_row(code, now=now, chat_id=chat_id, **fields)
        uow.session.add(patient)
        await uow.session.flush()
        patient_id = patient.id
        await uow.commit()
    return patient_id


async def add_patients(
    db: Database,
    count: int,
    *,
    now: datetime,
    surgery_date: date,
    first_chat: int = 10_000,
    waking: tuple[time, time] = DAYTIME,
) -> list[int]:
    """``count`` active patients, every other one in English, chats from ``first_chat``."""
    async with db.uow() as uow:
        patients = [
            patient_row(
                f"P-B{n:05d}",
                now=now,
                chat_id=first_chat + n,
                language="en" if n % 2 else "ko",
                surgery_date=surgery_date,
                approach=Approach.INTERLAMINAR,
                level=None,
                waking=waking,
                consented=False,
            )
            for n in range(count)
        ]
        uow.session.add_all(patients)
        await uow.session.flush()
        ids = [patient.id for patient in patients]
        await uow.commit()
    return ids


async def add_due_messages(
    db: Database,
    count: int,
    *,
    patients: int,
    due_at: datetime,
    key: str = "load",
    state: MessageState = MessageState.PENDING,
) -> list[int]:
    """``count`` check-ins due at ``due_at``, spread over the first ``patients`` patients (by
    id); ``key`` tells one call's rows from another's (each row's dedupe key is KEY:N)."""
    local = due_at.astimezone(SEOUL)
    async with db.uow() as uow:
        ids = list(await uow.session.scalars(select(Patient.id).order_by(Patient.id)))[:patients]
        rows = [
            ScheduledMessage(
                patient_id=ids[n % len(ids)],
                kind="checkin",
                payload_key="checkin",
                dedupe_key=f"{key}:{n}",
                post_op_day=5,
                local_date=local.date(),
                local_time=local.time().replace(tzinfo=None),
                timezone="Asia/Seoul",
                due_at=due_at,
                state=state,
                attempts=0,
                created_at=due_at,
            )
            for n in range(count)
        ]
        uow.session.add_all(rows)
        await uow.session.flush()
        message_ids = [row.id for row in rows]
        await uow.commit()
    return message_ids


async def add_broadcast(
    db: Database,
    *,
    now: datetime,
    text_ko: str = "공지",
    text_en: str | None = None,
    audience: str = "all",
    actor: str = "cli",
    progress_chat_id: int | None = None,
) -> Broadcast:
    """A broadcast created and queued (``broadcasts.create``) and committed."""
    async with db.uow() as uow:
        broadcast = await broadcasts.create(
            uow.session,
            text_ko=text_ko,
            text_en=text_en,
            audience=parse_audience(audience),
            actor=actor,
            now=now,
            progress_chat_id=progress_chat_id,
        )
        await uow.commit()
    return broadcast
