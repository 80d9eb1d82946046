"""/patients, /patient, /alerts, /enroll, /export and the coordinators' command menu."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from care.storage.alerts import open_alert
from care.storage.models import Alert, AlertState, AuditEntry, CheckIn, CheckInAnswer, Patient
from tests.coordinator.console_flows import COORDINATORS, NURSE, STRANGER, buttons, nurse, say
from tests.e2e.conftest import Harness
from tests.support.factories import add_patient


async def test_patients_are_listed_ten_a_page_with_next_and_previous(harness: Harness) -> None:
    await nurse(harness)
    for n in range(12):
        await add_patient(
            harness.running.db,
            f"P-LIST{n:02d}",
            now=harness.clock.now() + timedelta(seconds=n),
            chat_id=8400 + n,
        )
    first = await say(harness, NURSE, "/patients", "활성 환자 12명")
    assert "1/2쪽" in first["text"] and "P-LIST00" in first["text"]
    assert "P-LIST10" not in first["text"]
    (next_page,) = buttons(first)
    await harness.sandbox.press_button(NURSE, NURSE, first["message_id"], next_page)
    second = await harness.sandbox.wait_for_message(
        NURSE, lambda m: m["message_id"] == first["message_id"] and "2/2쪽" in m["text"]
    )
    assert "P-LIST10" in second["text"] and "P-LIST11" in second["text"]
    assert "P-LIST00" not in second["text"]
    assert len(buttons(second)) == 1  # previous only


async def test_one_patients_summary_shows_plan_pain_trend_alerts_and_deliveries(
    harness: Harness,
) -> None:
    await nurse(harness)
    db, now = harness.running.db, harness.clock.now()
    patient_id = await add_patient(db, "P-PAIN01", now=now, chat_id=8501)
    async with db.uow() as uow:
        for day, (leg, back) in enumerate([("6", "5"), ("4", "3")], start=1):
            checkin = CheckIn(
                patient_id=patient_id,
                post_op_day=day,
                started_at=now + timedelta(days=day),
                completed_at=now + timedelta(days=day, minutes=3),
                tier="green",
            )
            uow.session.add(checkin)
            await uow.session.flush()
            for question, answer in (("legpain", leg), ("backpain", back), ("note", "비밀 메모")):
                uow.session.add(
                    CheckInAnswer(
                        checkin_id=checkin.id, question=question, answer=answer, answered_at=now
                    )
                )
        patient = await uow.session.get_one(Patient, patient_id)
        await open_alert(uow.session, patient=patient, severity="amber", source="checkin", now=now)
        await uow.commit()

    summary = await say(harness, NURSE, "/patient p-pain01", "P-PAIN01")
    text = summary["text"]
    assert "다리 6 · 허리 5" in text and "다리 4 · 허리 3" in text
    assert text.index("다리 6") < text.index("다리 4")  # over time, oldest first
    assert "amber · checkin · open" in text
    assert "발송:" in text
    assert "비밀 메모" not in text
    await say(harness, NURSE, "/patient P-NOBODY", "찾을 수 없어요")
    await say(harness, NURSE, "/patient", "환자 코드를 붙여")


async def test_open_alerts_come_oldest_first_with_the_acknowledge_buttons(
    harness: Harness,
) -> None:
    await nurse(harness)
    db, now = harness.running.db, harness.clock.now()
    for n, severity in enumerate(("amber", "red")):
        patient_id = await add_patient(db, f"P-ALRT{n}", now=now, chat_id=8600 + n)
        await harness.sandbox.ensure_user(8600 + n, "Patient")  # told when acknowledged
        async with db.uow() as uow:
            patient = await uow.session.get_one(Patient, patient_id)
            await open_alert(
                uow.session,
                patient=patient,
                severity=severity,  # type: ignore[arg-type]
                source="checkin",
                now=now + timedelta(minutes=n),
            )
            await uow.commit()
    harness.clock.advance(timedelta(minutes=30))
    header = await say(harness, NURSE, "/alerts", "열린 알림 2건")
    first = await harness.sandbox.wait_for_message(
        NURSE, "P-ALRT0", after_message_id=header["message_id"]
    )
    second = await harness.sandbox.wait_for_message(
        NURSE, "P-ALRT1", after_message_id=first["message_id"]
    )
    assert "30분 전" in first["text"] and "RED" in second["text"]
    ack = next(data for data in buttons(first) if data.startswith("1|ack|"))
    await harness.sandbox.press_button(NURSE, NURSE, first["message_id"], ack)
    await harness.sandbox.wait_for_message(
        NURSE, lambda m: m["message_id"] == first["message_id"] and "✔" in m["text"]
    )
    async with db.session() as session:
        states = [a.state for a in await session.scalars(select(Alert).order_by(Alert.id))]
    assert states == [AlertState.ACKNOWLEDGED, AlertState.OPEN]
    await harness.sandbox.wait_for_message(8600, "")  # the patient hears the team has it
    again = await say(harness, NURSE, "/alerts", "열린 알림 1건")
    assert again


async def test_enrol_from_telegram_gives_the_patient_code_and_link(harness: Harness) -> None:
    await nurse(harness)
    answer = await say(
        harness, NURSE, "/enroll 2026-11-20 transforaminal L4-5 en", "spinecare_sandbox_bot"
    )
    assert "https://t.me/spinecare_sandbox_bot?start=" in answer["text"]
    async with harness.running.db.session() as session:
        patient = await session.scalar(select(Patient))
    assert patient is not None and patient.code in answer["text"]
    assert (patient.language, patient.level, patient.approach) == ("en", "L4-5", "transforaminal")
    await say(harness, NURSE, "/enroll 2026-13-40 laser", "입력을 확인해 주세요")
    await say(harness, NURSE, "/enroll", "/enroll 2026-11-20")


async def test_export_is_sent_as_a_spreadsheet_document(harness: Harness) -> None:
    await nurse(harness)
    await add_patient(harness.running.db, "P-EXPRT1", now=harness.clock.now(), chat_id=8701)
    sent = await harness.sandbox.send_text(NURSE, "/export patients csv", COORDINATORS)
    await harness.sandbox.wait_for_message(
        COORDINATORS, "patients", after_message_id=sent["message_id"]
    )
    (document,) = await harness.sandbox.documents(COORDINATORS)
    assert document.file_name.endswith(".csv")
    assert document.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"))))
    assert [row["patient_code"] for row in rows] == ["P-EXPRT1"]
    await say(harness, NURSE, "/export alerts json", "alerts")
    (as_json,) = await harness.sandbox.documents(NURSE)
    assert json.loads(as_json.content) == []
    await say(harness, NURSE, "/export everything", "입력을 확인해 주세요")


async def test_the_coordinator_commands_are_set_only_for_the_coordinators_chats(
    harness: Harness,
) -> None:
    menus = await harness.sandbox.commands()
    by_scope = {
        (json.dumps(entry["scope"], sort_keys=True), entry["language_code"]): [
            command["command"] for command in entry["commands"]
        ]
        for entry in menus
    }
    group = json.dumps({"type": "chat", "chat_id": COORDINATORS}, sort_keys=True)
    assert "broadcast" in by_scope[(group, "")]
    assert "broadcast" in by_scope[(group, "en")]
    default = json.dumps({"type": "default"}, sort_keys=True)
    assert "broadcast" not in by_scope[(default, "")]


async def test_help_shows_coordinators_their_commands_and_strangers_how_to_join(
    harness: Harness,
) -> None:
    await nurse(harness)
    await harness.sandbox.ensure_user(STRANGER, "Someone", language_code="ko")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[NURSE, STRANGER])

    in_group = await say(harness, NURSE, "/help", "의료진 명령어", chat=COORDINATORS)
    assert "/broadcast" in in_group["text"] and "/patients" in in_group["text"]
    in_private = await say(harness, NURSE, "/help", "의료진 명령어")
    assert "/export" in in_private["text"]
    stranger = await say(harness, STRANGER, "/help", "초대 링크")
    assert "/broadcast" not in stranger["text"]
    async with harness.running.db.session() as session:
        refusals = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "coordinator.refused")
        )
    assert refusals == 0  # /help is nobody's attempt at a coordinator action
