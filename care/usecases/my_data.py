"""A patient's /mydata: their record and every stored row that belongs to them, read in one
unit of work. The caller sends the summary and the file after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from care.storage import patients, privacy
from care.storage.db import Database
from care.storage.models import Patient, PatientStatus


@dataclass(frozen=True)
class MyData:
    patient: Patient
    data: dict[str, Any]  # privacy.export: rows by table, JSON-ready


async def my_data(db: Database, *, chat_id: int) -> MyData | None:
    """None when the chat has no patient, or their record was erased."""
    async with db.uow() as uow:
        patient = await patients.by_chat(uow.session, chat_id)
        if patient is None or patient.status == PatientStatus.DELETED:
            return None
        return MyData(patient, await privacy.export(uow.session, patient))
