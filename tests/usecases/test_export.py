"""Export, as ``spinecare export`` and /export call it: the bytes, the count, the audit."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from care.domain.clock import FakeClock
from care.domain.errors import InvalidInput
from care.storage.db import Database
from care.storage.models import AuditEntry
from care.usecases import audit_log
from care.usecases.export import export
from tests.support.factories import add_patient


async def test_an_export_returns_its_rows_and_is_audited(db: Database, clock: FakeClock) -> None:
    await add_patient(db, "P-EXPRT1", now=clock.now(), chat_id=8401)
    await add_patient(db, "P-EXPRT2", now=clock.now(), chat_id=8402)

    exported = await export(
        db, clock, "patients", "csv", since=None, actor="coordinator:1", questionnaire=None,
        via="console",
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert sorted(row["patient_code"] for row in rows) == ["P-EXPRT1", "P-EXPRT2"]
    assert exported.rows == 2 and exported.filename.endswith(".csv")
    as_json = await export(
        db, clock, "patients", "json", since=None, actor="cli", questionnaire=None, via="cli"
    )
    assert len(json.loads(as_json.data)) == 2
    async with db.session() as session:
        audited = (await session.scalars(select(AuditEntry))).all()
    assert [(a.action, a.actor, a.subject, a.detail["via"]) for a in audited] == [
        ("export.created", "coordinator:1", "patients", "console"),
        ("export.created", "cli", "patients", "cli"),
    ]
    assert [row["action"] for row in await audit_log.rows(db)] == ["export.created"] * 2
    assert len(await audit_log.rows(db, limit=1)) == 1


async def test_an_unknown_table_or_format_is_refused_and_not_audited(
    db: Database, clock: FakeClock
) -> None:
    for what, fmt in (("secrets", "csv"), ("patients", "xlsx")):
        with pytest.raises(InvalidInput):
            await export(
                db, clock, what, fmt, since=None, actor="cli", questionnaire=None, via="cli"
            )
    async with db.session() as session:
        assert (await session.scalars(select(AuditEntry))).all() == []
