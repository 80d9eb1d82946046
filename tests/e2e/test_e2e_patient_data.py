"""A patient sees exactly what is stored (/mydata) and can erase it (/delete)."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from care.storage import privacy
from care.storage.models import AuditEntry, Base, Patient, PatientStatus
from tests.e2e.conftest import Harness, button
from tests.e2e.flows import register

USER = 777_000_123
NAME = "홍길동테스트"
SECRET = "오늘 공원을 산책했어요 비밀문장 7"


async def every_value(harness: Harness) -> list[str]:
    """Every value in every table of the database, as text."""
    values: list[str] = []
    async with harness.running.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in (await connection.execute(text(f"SELECT * FROM {table.name}"))).all():
                values.extend(str(value) for value in row)
    return values


async def answer_delete(harness: Harness, choice: str, expect: str) -> None:
    """Send /delete and press ``choice`` (yes or no) on the confirmation."""
    asked = await harness.sandbox.send_text(USER, "/delete")
    confirm = await harness.sandbox.wait_for_message(
        USER, "정말 지울까요", after_message_id=asked["message_id"]
    )
    await harness.sandbox.press_button(
        USER, USER, confirm["message_id"], button(confirm, f"1|del|{choice}")
    )
    await harness.sandbox.wait_for_message(
        USER, lambda m: m["message_id"] == confirm["message_id"] and expect in m["text"]
    )


async def test_delete_leaves_no_personal_data_in_any_table(harness: Harness) -> None:
    code = await register(harness, USER, name=NAME)
    sent = await harness.sandbox.send_text(USER, SECRET)
    await harness.sandbox.wait_for_message(USER, "받았어요", after_message_id=sent["message_id"])
    before = await every_value(harness)
    assert any(str(USER) == v for v in before) and NAME in before and SECRET in before

    await answer_delete(harness, "yes", "지웠어요")

    after = await every_value(harness)
    assert not any(str(USER) in v for v in after)
    assert not any(NAME in v or SECRET in v or v == "2026-11-20" for v in after), [
        v for v in after if NAME in v or SECRET in v or v == "2026-11-20"
    ]
    async with harness.running.db.session() as session:
        tombstone = await session.scalar(select(Patient).where(Patient.code == code))
        actions = (
            await session.scalars(select(AuditEntry.action).where(AuditEntry.subject == code))
        ).all()
    assert tombstone is not None and tombstone.status == PatientStatus.DELETED
    assert "patient.deleted" in actions


async def test_a_deleted_patient_is_a_stranger_afterwards(harness: Harness) -> None:
    await register(harness, USER)
    await answer_delete(harness, "yes", "지웠어요")
    sent = await harness.sandbox.send_text(USER, "/mydata")
    await harness.sandbox.wait_for_message(USER, "초대 링크", after_message_id=sent["message_id"])


async def test_saying_no_to_delete_keeps_everything(harness: Harness) -> None:
    code = await register(harness, USER)
    await answer_delete(harness, "no", "지우지 않았어요")
    async with harness.running.db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.code == code))
    assert (
        patient is not None and patient.chat_id == USER and patient.status == PatientStatus.ACTIVE
    )


async def test_mydata_sends_exactly_what_is_stored(harness: Harness) -> None:
    code = await register(harness, USER, name=NAME)
    sent = await harness.sandbox.send_text(USER, SECRET)
    await harness.sandbox.wait_for_message(USER, "받았어요", after_message_id=sent["message_id"])
    # the message's card in the coordinators' group is recorded before the export is taken
    await harness.running.application.bot_data["services"].post_alerts.drain()

    asked = await harness.sandbox.send_text(USER, "/mydata")
    summary = await harness.sandbox.wait_for_message(
        USER, code, after_message_id=asked["message_id"]
    )
    assert NAME in summary["text"] and "transforaminal" in summary["text"]
    # in the patient's language: words, not codes; local time, not a raw UTC timestamp
    assert "추간공" in summary["text"] and "안내 받는 중" in summary["text"]
    assert "active" not in summary["text"] and "+00:00" not in summary["text"]
    assert "2026. 11. 20." in summary["text"] or "2026년 11월 20일" in summary["text"]
    await harness.sandbox.wait_for_message(
        USER, lambda m: "document" in m, after_message_id=summary["message_id"]
    )
    documents = await harness.sandbox.documents(USER)
    assert len(documents) == 1
    shown = json.loads(documents[0].content)

    async with harness.running.db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.code == code))
        assert patient is not None
        stored = await privacy.export(session, patient)
    assert shown == json.loads(json.dumps(stored))
    assert shown["inbound_messages"][0]["text"] == SECRET
    assert shown["patients"][0]["display_name"] == NAME
    assert len(shown["scheduled_messages"]) > 0
