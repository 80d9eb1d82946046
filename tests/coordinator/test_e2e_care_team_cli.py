"""The care team's command line with a running service: broadcast, export, audit, coordinators."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from care.storage.alerts import open_alert
from care.storage.models import Patient, ScheduledMessage
from tests.coordinator.console_flows import say
from tests.e2e.conftest import Harness
from tests.support.cli import run_async
from tests.support.factories import add_patient


async def cli(harness: Harness, *args: str, stdin: bytes = b"", ok: bool = True) -> bytes:
    """``spinecare ARGS`` against the harness's database, in-process (tests/support/cli.py)."""
    ran = await run_async(
        *args,
        env={
            "SPINECARE_DATABASE_URL": harness.settings.database_url,
            "SPINECARE_COORDINATOR_CHAT_ID": str(harness.settings.coordinator_chat_id),
            "SPINECARE_TELEGRAM_TOKEN": None,
        },
        stdin=stdin,
    )
    assert (ran.exit_code == 0) == ok, ran.stderr
    return ran.stdout


async def test_a_broadcast_from_the_command_line_is_sent_by_the_running_service(
    harness: Harness,
) -> None:
    now = harness.clock.now()
    await add_patient(harness.running.db, "P-CLI001", now=now, chat_id=8901)
    await add_patient(harness.running.db, "P-CLI002", now=now, chat_id=8902, language="en")
    for chat in (8901, 8902):
        await harness.sandbox.ensure_user(chat, "Patient")

    await cli(harness, "broadcast", "--audience", "all", "--text", "취소", stdin=b"n\n", ok=False)
    queued = json.loads(
        await cli(
            harness,
            "broadcast",
            "--audience",
            "all",
            "--text",
            "주차장 공사 중입니다.",
            "--text-en",
            "The car park is closed.",
            "--yes",
            "--json",
        )
    )
    assert queued["total"] == 2 and queued["pending"] == 2
    # The command line queued it on the system clock, for each patient's waking hours.
    async with harness.running.db.session() as session:
        due = await session.scalar(
            select(func.max(ScheduledMessage.due_at)).where(
                ScheduledMessage.broadcast_id == queued["broadcast_id"]
            )
        )
    assert due is not None
    harness.clock.set(max(datetime.now(UTC), due))
    await harness.running.scheduler.tick()
    assert [m["text"] for m in await harness.sandbox.sent_messages(8901)] == [
        "주차장 공사 중입니다."
    ]
    assert [m["text"] for m in await harness.sandbox.sent_messages(8902)] == [
        "The car park is closed."
    ]
    report = await harness.sandbox.wait_for_message(-1001, f"#{queued['broadcast_id']}")
    assert "보냄 2" in report["text"]

    listed = json.loads(await cli(harness, "broadcasts", "--json"))
    assert [(b["broadcast_id"], b["state"], b["sent"]) for b in listed] == [
        (queued["broadcast_id"], "done", 2)
    ]
    audit = [json.loads(line) for line in (await cli(harness, "audit", "--json")).splitlines()]
    sent = [entry for entry in audit if entry["action"] == "broadcast.sent"]
    assert sent[0]["detail"] == {"audience": "all", "recipients": 2}
    assert "주차장" not in json.dumps(audit, ensure_ascii=False)


async def test_export_from_the_command_line_opens_in_a_spreadsheet(harness: Harness) -> None:
    patient_id = await add_patient(
        harness.running.db, "P-CLI003", now=harness.clock.now(), chat_id=8903
    )
    async with harness.running.db.uow() as uow:
        patient = await uow.session.get_one(Patient, patient_id)
        await open_alert(
            uow.session,
            patient=patient,
            severity="red",
            source="free_text",
            reasons=["said:소변이 안 나와요"],
            now=harness.clock.now(),
        )
        await uow.commit()
    data = await cli(harness, "export", "--what", "alerts", "--format", "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    (row,) = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert row["reasons"] == "said:소변이 안 나와요"
    as_json = json.loads(await cli(harness, "export", "--what", "patients", "--format", "json"))
    assert [row["patient_code"] for row in as_json] == ["P-CLI003"]
    await cli(harness, "export", "--what", "secrets", ok=False)


async def test_a_coordinator_added_on_the_command_line_may_use_the_console(
    harness: Harness,
) -> None:
    await harness.sandbox.ensure_user(4242, "New nurse", language_code="ko")
    await say(harness, 4242, "/patients", "담당 의료진만")
    await cli(harness, "coordinator", "add", "4242")
    listed = json.loads(await cli(harness, "coordinator", "list", "--json"))
    assert [(c["telegram_user_id"], c["source"]) for c in listed] == [(4242, "database")]
    await say(harness, 4242, "/patients", "활성 환자가 없어요")
    await cli(harness, "coordinator", "remove", "4242")
    await say(harness, 4242, "/patients", "담당 의료진만")
