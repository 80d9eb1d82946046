"""Helpers for the coordinator tests: patients written straight into the database."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from sqlalchemy import func, select

from care.domain.plan import Approach
from care.storage.db import Database
from care.storage.models import AuditEntry, MessageState, Patient, PatientStatus, ScheduledMessage


async def add_patient(
    db: Database,
    code: str,
    *,
    now: datetime,
    chat_id: int | None,
    surgery_date: date | None = date(2026, 11, 20),
    approach: Approach = Approach.TRANSFORAMINAL,
    language: str = "ko",
    timezone: str = "Asia/Seoul",
    status: PatientStatus = PatientStatus.ACTIVE,
) -> int:
    async with db.uow() as uow:
        patient = Patient(
            code=code,
            chat_id=chat_id,
            language=language,
            timezone=timezone,
            surgery_date=surgery_date,
            approach=approach,
            level="L4-5",
            status=status,
            waking_start=time(8, 0),
            waking_end=time(21, 0),
            consented_at=now if chat_id else None,
            created_at=now,
            updated_at=now,
        )
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
    first_chat: int,
    surgery_date: date,
    waking: tuple[time, time] = (time(8, 0), time(21, 0)),
) -> list[int]:
    """``count`` active patients, every other one in English, chats from ``first_chat``."""
    async with db.uow() as uow:
        patients = [
            Patient(
                code=f"P-B{n:05d}",
                chat_id=first_chat + n,
                language="en" if n % 2 else "ko",
                timezone="Asia/Seoul",
                surgery_date=surgery_date,
                approach=Approach.INTERLAMINAR,
                status=PatientStatus.ACTIVE,
                waking_start=waking[0],
                waking_end=waking[1],
                created_at=now,
                updated_at=now,
            )
            for n in range(count)
        ]
        uow.session.add_all(patients)
        await uow.session.flush()
        ids = [patient.id for patient in patients]
        await uow.commit()
    return ids


async def delivery_states(db: Database, broadcast_id: int) -> Counter[str]:
    async with db.session() as session:
        found = await session.execute(
            select(ScheduledMessage.state, func.count())
            .where(ScheduledMessage.broadcast_id == broadcast_id)
            .group_by(ScheduledMessage.state)
        )
        return Counter({MessageState(state).value: count for state, count in found.all()})


async def audit_actions(db: Database, action: str | None = None) -> list[AuditEntry]:
    async with db.session() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(await session.scalars(query))
