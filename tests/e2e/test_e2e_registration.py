"""Enrolment to an active patient through the sandbox, in Korean and in English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from care import enrollment
from care.models import AuditEntry, Invite, PatientStatus
from spinecare.patient_views import patient_summary
from tests.e2e.conftest import Harness
from tests.e2e.flows import enrol, open_link, patient_row, step

PATIENT = 6201
OTHER = 6202


@pytest.mark.parametrize(
    ("language", "consent_word", "date_word", "window_word", "done_word"),
    [
        ("ko", "동의", "2026년 11월 20일", "깨어 계신", "등록이 끝났어요"),
        ("en", "agree", "November 20, 2026", "awake", "all set"),
    ],
)
async def test_a_patient_registers_from_the_link_and_gets_a_schedule(
    harness: Harness,
    language: str,
    consent_word: str,
    date_word: str,
    window_word: str,
    done_word: str,
) -> None:
    code, invite = await enrol(harness, language=language)
    await harness.sandbox.ensure_user(PATIENT, "환자", language_code=language)

    consent = await open_link(harness, PATIENT, invite, consent_word)
    assert (await patient_row(harness, code)).chat_id is None  # nothing linked before consent

    asked_language = await step(harness, PATIENT, consent, "1|consent|yes", "Which language")
    asked_date = await step(harness, PATIENT, asked_language, f"1|lang|{language}", date_word)
    asked_window = await step(harness, PATIENT, asked_date, "1|sdate|yes", window_word)
    summary = await step(harness, PATIENT, asked_window, "1|wake|8-22", done_word)
    assert "08:00" in summary["text"] and "22:00" in summary["text"]

    patient = await patient_row(harness, code)
    assert patient.status == PatientStatus.ACTIVE
    assert patient.chat_id == PATIENT
    assert patient.language == language
    assert patient.consent_version == enrollment.CONSENT_VERSION
    assert patient.consented_at == harness.clock.now()

    async with harness.running.db.session() as session:
        shown = await patient_summary(session, patient)
    assert shown["status"] == "active"
    assert shown["waking_window"] == {"start": "08:00", "end": "22:00"}
    assert shown["upcoming"], "an active patient has upcoming messages"
    assert {item["kind"] for item in shown["upcoming"]} <= {"posture", "checkin", "milestone"}
    for item in shown["upcoming"]:
        assert item["due_at"].endswith("Z")
        assert "08:00" <= item["local_time"][11:16] <= "22:00"


async def test_declining_consent_links_nothing_and_keeps_the_invite_usable(
    harness: Harness,
) -> None:
    code, invite = await enrol(harness)
    await harness.sandbox.ensure_user(PATIENT, "환자", language_code="ko")
    consent = await open_link(harness, PATIENT, invite, "동의")
    await step(harness, PATIENT, consent, "1|consent|no", "저장하지 않았어요")
    async with harness.running.db.session() as session:
        stored = await session.scalar(select(Invite))
    assert stored is not None and stored.pending_chat_id is None and stored.used_at is None
    assert (await patient_row(harness, code)).chat_id is None
    await open_link(harness, PATIENT, invite, "동의")  # still usable


async def test_a_used_invite_cannot_be_taken_by_a_second_account(harness: Harness) -> None:
    code, invite = await enrol(harness)
    await harness.sandbox.ensure_user(PATIENT, "환자", language_code="ko")
    await harness.sandbox.ensure_user(OTHER, "다른 사람", language_code="ko")
    consent = await open_link(harness, PATIENT, invite, "동의")
    await step(harness, PATIENT, consent, "1|consent|yes", "Which language")

    await open_link(harness, OTHER, invite, "사용할 수 없어요")
    assert (await patient_row(harness, code)).chat_id == PATIENT


async def test_forged_consent_from_another_account_registers_nobody(harness: Harness) -> None:
    code, invite = await enrol(harness)
    await open_link(harness, PATIENT, invite, "동의")  # the patient is being asked
    await harness.sandbox.ensure_user(OTHER, "다른 사람", language_code="ko")
    own = await harness.sandbox.send_text(OTHER, "/start")
    reply = await harness.sandbox.wait_for_message(
        OTHER, "초대 링크", after_message_id=own["message_id"]
    )
    await harness.sandbox.press_button(
        OTHER, OTHER, reply["message_id"], "1|consent|yes", force=True
    )
    await harness.sandbox.wait_for_message(OTHER, "지난 질문", after_message_id=reply["message_id"])
    assert (await patient_row(harness, code)).chat_id is None


@pytest.mark.parametrize("invite", ["wrong-code-0000000000000000000", "short", "../../etc/passwd"])
async def test_a_wrong_invite_registers_nobody_and_stores_nothing(
    harness: Harness, invite: str
) -> None:
    code, _ = await enrol(harness)
    await open_link(harness, PATIENT, invite, "사용할 수 없어요")
    async with harness.running.db.session() as session:
        stored = await session.scalar(select(Invite))
        audit = (await session.scalars(select(AuditEntry.action))).all()
    assert stored is not None and stored.pending_chat_id is None
    assert (await patient_row(harness, code)).chat_id is None
    assert audit == ["patient.enrolled"]


async def test_an_expired_invite_registers_nobody(harness: Harness) -> None:
    code, invite = await enrol(harness, ttl_days=1)
    harness.clock.advance(timedelta(days=1, seconds=1))
    await open_link(harness, PATIENT, invite, "사용할 수 없어요")
    assert (await patient_row(harness, code)).chat_id is None


async def test_repeated_wrong_codes_are_slowed_down_and_audited(harness: Harness) -> None:
    for attempt in range(5):
        await open_link(harness, PATIENT, f"wrong-code-{attempt:020d}", "사용할 수 없어요")
    await open_link(harness, PATIENT, "wrong-code-again-000000000000", "여러 번")
    async with harness.running.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "invite.throttled" in actions
