"""Who is writing: the registered patient of a chat, or whether a Telegram user is on the care
team. Reads only, each in its own short unit of work; the callers answer after it.
"""

from __future__ import annotations

from collections.abc import Collection

from care.storage import coordinators, patients
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus


async def patient_in_chat(db: Database, chat_id: int) -> Patient | None:
    """The patient linked to the chat, None when there is none or their record was erased."""
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id)
    if patient is None or patient.status == PatientStatus.DELETED:
        return None
    return patient


async def is_coordinator(db: Database, user_id: int, listed: Collection[int]) -> bool:
    """Listed in the settings, or added with ``spinecare coordinator add``."""
    if user_id in listed:
        return True
    async with db.uow() as uow:
        return await coordinators.is_coordinator(uow.session, user_id, listed)


async def stored_coordinators(db: Database) -> set[int]:
    """The Telegram ids added with ``spinecare coordinator add`` (the listed ones aside)."""
    async with db.uow() as uow:
        return {c.telegram_user_id for c in await coordinators.stored(uow.session)}
