"""A patient's own data: everything stored about them, and erasing it.

Both walk the schema's foreign keys from ``patients``, so a table added later is covered
without touching this module. Erasure keeps a tombstone: the patients row with its
pseudonymous code and status ``deleted``, no personal fields, and the audit log's entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.storage import audit
from care.storage.models import AuditEntry, Base, Patient, PatientStatus, ReceivedUpdate

# Columns of patients that are personal data, blanked on erasure.
PERSONAL_FIELDS = (
    "chat_id",
    "display_name",
    "phone",
    "surgery_date",
    "approach",
    "level",
    "consented_at",
    "health_consented_at",
)
HIDDEN_COLUMNS = {"code_hash"}  # a hash of the invite, meaningless to the patient


def dependent_tables() -> Iterator[tuple[Table, Table, str, str]]:
    """(child, parent, child column, parent column) for every table hanging off patients."""
    reached = {"patients"}
    for table in Base.metadata.sorted_tables:
        if table.name == AuditEntry.__tablename__:
            continue
        # A table with several links (an alert to its patient and its check-in) is reached
        # through its patient: the other links may be empty or set null.
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.column.table.name != "patients"):
            parent = fk.column.table
            if parent.name in reached and table.name not in reached:
                reached.add(table.name)
                yield table, parent, fk.parent.name, fk.column.name


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


async def export(session: AsyncSession, patient: Patient) -> dict[str, Any]:
    """Every stored row that belongs to the patient, as plain JSON-ready values, by table."""
    patients = Base.metadata.tables["patients"]
    row = (await session.execute(select(patients).where(patients.c.id == patient.id))).one()
    data: dict[str, Any] = {"patients": [{k: _plain(v) for k, v in row._mapping.items()}]}
    ids: dict[str, set[Any]] = {"patients.id": {patient.id}}  # "table.column" -> values
    for table, parent, column, parent_column in dependent_tables():
        wanted = ids.get(f"{parent.name}.{parent_column}", set())
        if not wanted:
            continue
        rows = (await session.execute(select(table).where(table.c[column].in_(wanted)))).all()
        if not rows:
            continue
        data[table.name] = [
            {k: _plain(v) for k, v in r._mapping.items() if k not in HIDDEN_COLUMNS} for r in rows
        ]
        ids[f"{table.name}.id"] = {r._mapping["id"] for r in rows}
    data["audit_log"] = [
        {"at": _plain(e.at), "actor": e.actor, "action": e.action}
        for e in (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.subject == patient.code).order_by(AuditEntry.id)
            )
        ).all()
    ]
    return data


async def erase(session: AsyncSession, patient: Patient, *, now: datetime, actor: str) -> None:
    """Erase personal data and the Telegram link; keep a tombstone without personal data."""
    for table, _parent, column, _ in reversed(list(dependent_tables())):
        if column == "patient_id":
            await session.execute(delete(table).where(table.c.patient_id == patient.id))
    if patient.chat_id is not None:  # when the chat wrote: its record of updates taken in
        await session.execute(
            delete(ReceivedUpdate).where(ReceivedUpdate.chat_id == patient.chat_id)
        )
    for field in PERSONAL_FIELDS:
        setattr(patient, field, None)
    patient.status = PatientStatus.DELETED
    patient.consent_version = None
    patient.health_consent_version = None
    patient.paused_until = None
    patient.scheduled_through = None
    patient.updated_at = now
    audit.record(session, at=now, actor=actor, action="patient.deleted", subject=patient.code)
