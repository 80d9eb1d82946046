"""Exports open in a spreadsheet: UTF-8 with BOM, Korean intact, a csv round trip; JSON parses."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from care.domain.errors import InvalidInput
from care.storage import conversation
from care.storage.alerts import open_alert
from care.storage.db import Database
from care.storage.models import CheckIn, CheckInAnswer, Patient
from care.views import exports
from tests.support.factories import add_patient

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
SAID = 'said:다리에 힘이 빠져요, "갑자기"'


async def records(db: Database) -> None:
    first = await add_patient(db, "P-EXP001", now=NOW - timedelta(days=5), chat_id=501)
    await add_patient(db, "P-EXP002", now=NOW, chat_id=502, language="en")
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, first)
        patient.display_name = "김민지"
        checkin = CheckIn(
            patient_id=first,
            post_op_day=11,
            started_at=NOW - timedelta(days=1),
            completed_at=NOW - timedelta(days=1) + timedelta(minutes=2),
            tier="red",
        )
        uow.session.add(checkin)
        await uow.session.flush()
        for question, answer in (("legpain", "8"), ("weak", "new"), ("note", "집에 혼자 있어요")):
            uow.session.add(
                CheckInAnswer(
                    checkin_id=checkin.id, question=question, answer=answer, answered_at=NOW
                )
            )
        await open_alert(
            uow.session,
            patient=patient,
            severity="red",
            source="free_text",
            flags=[3],
            reasons=["free_text:red", SAID],
            now=NOW,
        )
        await uow.commit()


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def test_every_export_round_trips_through_csv_and_json(db: Database) -> None:
    await records(db)
    async with db.session() as session:
        for what in exports.WHATS:
            table = await exports.export(session, what, now=NOW)
            data = exports.to_csv(table)
            header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
            assert header == list(table.columns)
            assert len(read_csv(data)) == len(table.rows)
            parsed = json.loads(exports.to_json(table))
            assert isinstance(parsed, list) and len(parsed) == len(table.rows)
            assert all(set(row) == set(table.columns) for row in parsed)


async def test_korean_text_survives_the_csv_round_trip(db: Database) -> None:
    await records(db)
    async with db.session() as session:
        table = await exports.export(session, "alerts", now=NOW)
    (row,) = read_csv(exports.to_csv(table))
    assert row["reasons"] == f"free_text:red; {SAID}"
    assert row["patient_code"] == "P-EXP001" and row["severity"] == "red"
    assert "다리에 힘이" in exports.to_json(table).decode("utf-8")  # not \uXXXX escapes


async def test_the_patients_export_has_codes_but_no_names_or_free_text(db: Database) -> None:
    await records(db)
    async with db.session() as session:
        table = await exports.export(session, "patients", now=NOW)
        checkins = await exports.export(session, "checkins", now=NOW)
    data = exports.to_csv(table).decode("utf-8-sig")
    assert "김민지" not in data and "501" not in data
    rows = read_csv(exports.to_csv(table))
    assert [r["patient_code"] for r in rows] == ["P-EXP001", "P-EXP002"]
    assert rows[0]["open_alerts"] == "1" and rows[0]["last_checkin_at"].endswith("Z")
    (checkin,) = read_csv(exports.to_csv(checkins))
    assert (checkin["legpain"], checkin["weak"], checkin["tier"]) == ("8", "new", "red")
    assert checkin["note"] == "집에 혼자 있어요"  # the patient's words, whole


async def test_the_messages_export_has_both_directions_with_who_handled_each(
    db: Database,
) -> None:
    first = await add_patient(db, "P-MSG001", now=NOW, chat_id=601)
    async with db.uow() as uow:
        patient = await uow.session.get_one(Patient, first)
        asked = conversation.record_note(
            uow.session,
            patient=patient,
            checkin_id=None,
            text="샤워는 언제부터 해도 되나요?",
            tier="green",
            chat_message_id=5,
            now=NOW,
        )
        await uow.session.flush()
        await conversation.mark_handled(uow.session, asked.id, actor="coordinator:9001", now=NOW)
        conversation.record_reply(
            uow.session, patient=patient, text="3일째부터 가능해요.", author="cli", now=NOW
        )
        await uow.commit()
    async with db.session() as session:
        table = await exports.export(session, "messages", now=NOW)
    rows = read_csv(exports.to_csv(table))
    assert [(r["direction"], r["text"], r["state"], r["handled_by"]) for r in rows] == [
        ("in", "샤워는 언제부터 해도 되나요?", "handled", "coordinator:9001"),
        ("out", "3일째부터 가능해요.", "handled", "cli"),
    ]
    assert rows[1]["author"] == "cli" and rows[1]["delivery"] == "pending"


async def test_since_keeps_the_newer_records(db: Database) -> None:
    await records(db)
    async with db.session() as session:
        table = await exports.export(session, "patients", now=NOW, since=NOW - timedelta(days=1))
    assert [row["patient_code"] for row in table.rows] == ["P-EXP002"]


def test_the_start_of_a_day_is_taken_in_the_clinics_zone() -> None:
    since = exports.since_instant(datetime(2026, 11, 1).date(), "Asia/Seoul")
    assert since == datetime(2026, 10, 31, 15, 0, tzinfo=UTC)


def test_unknown_exports_and_formats_are_refused() -> None:
    with pytest.raises(InvalidInput):
        exports.parse_what("everything")
    with pytest.raises(InvalidInput):
        exports.parse_format("xlsx")
