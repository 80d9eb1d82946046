"""Exports for the care team's records, and the rows the coordinator console shows.

``export(session, what, now=..., since=...)`` gives a ``Table`` of plain values (strings,
numbers, ISO 8601 UTC times) for ``patients``, ``checkins``, ``alerts`` or ``deliveries``;
``to_csv`` writes it as UTF-8 with a byte-order mark (so a spreadsheet opens Korean text
correctly) that reads back through Python's csv module, ``to_json`` as one JSON array.

Patients are named by their pseudonymous code, with the phone number the care team entered
(no display name, no chat id). Free text is in two places only: the check-in's typed note
(``note``) and ``messages``: every item of the conversation, both directions, with its
state and who saw and handled it. ``since`` keeps the rows created (patients, messages),
started (check-ins), opened (alerts) or due (deliveries) at or after it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from care.domain.clock import utc_from_db
from care.domain.errors import InvalidInput
from care.domain.questionnaires import Questionnaire
from care.domain.triage.checkin import NOTE_QUESTION, load_checkin_rules
from care.storage.models import (
    Alert,
    AlertState,
    AuditEntry,
    CheckIn,
    CheckInAnswer,
    ConversationItem,
    MessageState,
    Patient,
    PatientStatus,
    ScheduledMessage,
)

What = Literal["patients", "checkins", "alerts", "deliveries", "messages"]
Format = Literal["csv", "json"]
WHATS: tuple[What, ...] = ("patients", "checkins", "alerts", "deliveries", "messages")
FORMATS: tuple[Format, ...] = ("csv", "json")
ANSWER_CHUNK = 500

PATIENT_COLUMNS = (
    "patient_code",
    "phone",
    "status",
    "language",
    "timezone",
    "surgery_date",
    "approach",
    "level",
    "post_op_day",
    "registered_at",
    "last_checkin_at",
    "open_alerts",
    "created_at",
)
CHECKIN_BASE = ("checkin_id", "patient_code", "post_op_day", "started_at", "completed_at", "tier")
ALERT_COLUMNS = (
    "alert_id",
    "patient_code",
    "severity",
    "source",
    "state",
    "flags",
    "reasons",
    "created_at",
    "escalation_level",
    "acknowledged_by",
    "acknowledged_at",
    "called_by",
    "called_at",
)
DELIVERY_COLUMNS = (
    "delivery_id",
    "patient_code",
    "kind",
    "payload_key",
    "broadcast_id",
    "post_op_day",
    "due_at",
    "state",
    "attempts",
    "sent_at",
    "last_error",
)
AUDIT_COLUMNS = ("id", "at", "actor", "action", "subject", "detail")
MESSAGE_COLUMNS = (
    "item_id",
    "patient_code",
    "at",
    "direction",
    "kind",
    "tier",
    "attachment",
    "text",
    "state",
    "seen_by",
    "seen_at",
    "handled_by",
    "handled_at",
    "author",
    "delivery",
    "delivered_at",
)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


def parse_what(value: str) -> What:
    for what in WHATS:
        if value.strip().lower() == what:
            return what
    raise InvalidInput(f"export {value!r}: choose one of {', '.join(WHATS)}")


def parse_format(value: str) -> Format:
    for fmt in FORMATS:
        if value.strip().lower() == fmt:
            return fmt
    raise InvalidInput(f"format {value!r}: choose csv or json")


def since_instant(day: date, zone: str) -> datetime:
    """The start of ``day`` in the clinic's zone, as an aware UTC instant."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def post_op_day(surgery_date: date | None, zone: str, now: datetime) -> int | None:
    if surgery_date is None:
        return None
    return (now.astimezone(ZoneInfo(zone)).date() - surgery_date).days


async def export(
    session: AsyncSession,
    what: What,
    *,
    now: datetime,
    since: datetime | None = None,
    questionnaire: Questionnaire | None = None,
) -> Table:
    """The rows of one table; check-ins carry a configured questionnaire's items and score."""
    if what == "patients":
        return Table(what, PATIENT_COLUMNS, await patient_rows(session, now=now, since=since))
    if what == "checkins":
        rows = await checkin_rows(session, since=since, questionnaire=questionnaire)
        scores = (score_column(questionnaire),) if questionnaire else ()
        return Table(what, (*CHECKIN_BASE, *answer_columns(questionnaire), *scores), rows)
    if what == "alerts":
        return Table(what, ALERT_COLUMNS, await alert_rows(session, since=since))
    if what == "messages":
        return Table(what, MESSAGE_COLUMNS, await message_rows(session, since=since))
    return Table(what, DELIVERY_COLUMNS, await delivery_rows(session, since=since))


# -- patients --------------------------------------------------------------------------


def _patients_query(statuses: Collection[PatientStatus] | None) -> Select[Any]:
    last_checkin = (
        select(func.max(CheckIn.completed_at))
        .where(CheckIn.patient_id == Patient.id)
        .correlate(Patient)
        .scalar_subquery()
    )
    open_alerts = (
        select(func.count(Alert.id))
        .where(Alert.patient_id == Patient.id, Alert.state == AlertState.OPEN)
        .correlate(Patient)
        .scalar_subquery()
    )
    query = select(Patient, last_checkin.label("last_checkin"), open_alerts.label("open_alerts"))
    if statuses is not None:
        query = query.where(Patient.status.in_(list(statuses)))
    return query


async def patient_rows(
    session: AsyncSession,
    *,
    now: datetime,
    since: datetime | None = None,
    statuses: Collection[PatientStatus] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Patients by enrolment, oldest first, with post-op day, last check-in and open alerts."""
    query = _patients_query(statuses).order_by(Patient.created_at, Patient.id).offset(offset)
    if since is not None:
        query = query.where(Patient.created_at >= since)
    if limit is not None:
        query = query.limit(limit)
    rows = []
    for patient, last_checkin, open_alerts in (await session.execute(query)).all():
        rows.append(
            {
                "patient_code": patient.code,
                "phone": patient.phone,
                "status": patient.status.value,
                "language": patient.language,
                "timezone": patient.timezone,
                "surgery_date": iso(patient.surgery_date),
                "approach": patient.approach.value if patient.approach else None,
                "level": patient.level,
                "post_op_day": post_op_day(patient.surgery_date, patient.timezone, now),
                "registered_at": iso(patient.consented_at),
                "last_checkin_at": iso(utc_from_db(last_checkin)),
                "open_alerts": int(open_alerts or 0),
                "created_at": iso(patient.created_at),
            }
        )
    return rows


async def count_patients(
    session: AsyncSession, statuses: Collection[PatientStatus] | None = None
) -> int:
    query = select(func.count(Patient.id))
    if statuses is not None:
        query = query.where(Patient.status.in_(list(statuses)))
    return int(await session.scalar(query) or 0)


# -- check-ins -------------------------------------------------------------------------


def answer_columns(questionnaire: Questionnaire | None = None) -> tuple[str, ...]:
    """The structured questions, in the check-in's order, then a licensed questionnaire's
    items, then the typed note (as written)."""
    columns = tuple(q.id for q in load_checkin_rules().questions if q.id != NOTE_QUESTION)
    extra = questionnaire.questions if questionnaire else ()
    return (*columns, *(q.id for q in extra), NOTE_QUESTION)


def score_column(questionnaire: Questionnaire) -> str:
    return f"{questionnaire.id}_score"


async def checkin_rows(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    patient_id: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
    questionnaire: Questionnaire | None = None,
) -> list[dict[str, Any]]:
    order = (
        (CheckIn.started_at.desc(), CheckIn.id.desc())
        if newest_first
        else (
            CheckIn.started_at,
            CheckIn.id,
        )
    )
    query = select(CheckIn, Patient.code).join(Patient, Patient.id == CheckIn.patient_id)
    if since is not None:
        query = query.where(CheckIn.started_at >= since)
    if patient_id is not None:
        query = query.where(CheckIn.patient_id == patient_id)
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    found = (await session.execute(query)).all()
    questions = answer_columns(questionnaire)
    answers: dict[int, dict[str, str]] = {}
    ids = [checkin.id for checkin, _ in found]
    for index in range(0, len(ids), ANSWER_CHUNK):
        chunk = ids[index : index + ANSWER_CHUNK]
        for answer in await session.scalars(
            select(CheckInAnswer).where(
                CheckInAnswer.checkin_id.in_(chunk), CheckInAnswer.question.in_(questions)
            )
        ):
            answers.setdefault(answer.checkin_id, {})[answer.question] = answer.answer
    rows: list[dict[str, Any]] = []
    for checkin, code in found:
        given = answers.get(checkin.id, {})
        row: dict[str, Any] = {
            "checkin_id": checkin.id,
            "patient_code": code,
            "post_op_day": checkin.post_op_day,
            "started_at": iso(checkin.started_at),
            "completed_at": iso(checkin.completed_at),
            "tier": checkin.tier,
            **{question: given.get(question) for question in questions},
        }
        if questionnaire is not None:
            row[score_column(questionnaire)] = questionnaire.score(given)
        rows.append(row)
    return rows


# -- messages --------------------------------------------------------------------------


async def message_rows(
    session: AsyncSession, *, since: datetime | None = None
) -> list[dict[str, Any]]:
    """Every conversation item, oldest first: what patients wrote and did, the team's replies."""
    query = (
        select(ConversationItem, Patient.code)
        .join(Patient, Patient.id == ConversationItem.patient_id)
        .order_by(ConversationItem.created_at, ConversationItem.id)
    )
    if since is not None:
        query = query.where(ConversationItem.created_at >= since)
    return [
        {
            "item_id": item.id,
            "patient_code": code,
            "at": iso(item.created_at),
            "direction": item.direction,
            "kind": item.kind,
            "tier": item.tier,
            "attachment": item.attachment,
            "text": item.text,
            "state": item.state,
            "seen_by": item.seen_by,
            "seen_at": iso(item.seen_at),
            "handled_by": item.handled_by,
            "handled_at": iso(item.handled_at),
            "author": item.author,
            "delivery": item.post_state,
            "delivered_at": iso(item.posted_at),
        }
        for item, code in (await session.execute(query)).all()
    ]


# -- alerts ----------------------------------------------------------------------------


async def alert_rows(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    patient_id: int | None = None,
    states: Collection[AlertState] | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[dict[str, Any]]:
    """Alerts, oldest first unless asked; ``reasons`` may quote the patient's words."""
    query = select(Alert, Patient.code, Patient.surgery_date, Patient.timezone).join(
        Patient, Patient.id == Alert.patient_id
    )
    if since is not None:
        query = query.where(Alert.created_at >= since)
    if patient_id is not None:
        query = query.where(Alert.patient_id == patient_id)
    if states is not None:
        query = query.where(Alert.state.in_(list(states)))
    order = Alert.created_at.desc() if newest_first else Alert.created_at
    query = query.order_by(order, Alert.id)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "alert_id": alert.id,
            "patient_code": code,
            "severity": alert.severity,
            "source": alert.source,
            "state": alert.state.value,
            "flags": ";".join(str(flag) for flag in alert.flags or []),
            "reasons": "; ".join(alert.reasons or []),
            "created_at": iso(alert.created_at),
            "escalation_level": alert.escalation_level,
            "acknowledged_by": alert.acknowledged_by,
            "acknowledged_at": iso(alert.acknowledged_at),
            "called_by": alert.called_by,
            "called_at": iso(alert.called_at),
            "_surgery_date": surgery_date,
            "_timezone": zone,
        }
        for alert, code, surgery_date, zone in (await session.execute(query)).all()
    ]


async def count_alerts(session: AsyncSession, states: Collection[AlertState]) -> int:
    query = select(func.count(Alert.id)).where(Alert.state.in_(list(states)))
    return int(await session.scalar(query) or 0)


# -- deliveries ------------------------------------------------------------------------


async def delivery_rows(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    patient_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    query = select(ScheduledMessage, Patient.code).join(
        Patient, Patient.id == ScheduledMessage.patient_id
    )
    if since is not None:
        query = query.where(ScheduledMessage.due_at >= since)
    if patient_id is not None:
        query = query.where(ScheduledMessage.patient_id == patient_id)
    query = query.order_by(ScheduledMessage.due_at, ScheduledMessage.id)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "delivery_id": row.id,
            "patient_code": code,
            "kind": row.kind,
            "payload_key": row.payload_key,
            "broadcast_id": row.broadcast_id,
            "post_op_day": row.post_op_day,
            "due_at": iso(row.due_at),
            "state": row.state.value,
            "attempts": row.attempts,
            "sent_at": iso(row.sent_at),
            "last_error": row.last_error,
        }
        for row, code in (await session.execute(query)).all()
    ]


async def delivery_counts(session: AsyncSession, patient_id: int) -> dict[str, int]:
    """How many of the patient's scheduled messages are in each state."""
    found = await session.execute(
        select(ScheduledMessage.state, func.count())
        .where(ScheduledMessage.patient_id == patient_id)
        .group_by(ScheduledMessage.state)
    )
    counts = {state.value: 0 for state in MessageState}
    for state, count in found.all():
        counts[MessageState(state).value] = int(count)
    return counts


# -- audit log -------------------------------------------------------------------------


async def audit_rows(
    session: AsyncSession, *, since: datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The audit log, oldest first (ids and states only, never clinical text)."""
    query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "id": entry.id,
            "at": iso(entry.at),
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "detail": entry.detail or {},
        }
        for entry in await session.scalars(query)
    ]


# -- writing ---------------------------------------------------------------------------


def public(row: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    return {column: row.get(column) for column in columns}


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, a header row, CRLF line ends; empty cells for missing values."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(table.columns), extrasaction="ignore")
    writer.writeheader()
    for row in table.rows:
        writer.writerow(
            {
                column: json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
                for column, value in public(row, table.columns).items()
            }
        )
    return buffer.getvalue().encode("utf-8-sig")


def to_json(table: Table) -> bytes:
    """One JSON array of objects, UTF-8, Korean as it is (not escaped)."""
    rows = [public(row, table.columns) for row in table.rows]
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")


def render(table: Table, fmt: Format) -> bytes:
    return to_csv(table) if fmt == "csv" else to_json(table)


def audit_table(rows: list[dict[str, Any]]) -> Table:
    return Table("audit", AUDIT_COLUMNS, rows)
