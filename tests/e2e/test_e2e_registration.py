"""Enrolment to an active patient through the sandbox, in Korean and in English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from care.storage import enrollment
from care.storage.models import AuditEntry, Invite, PatientStatus
from care.views.patient_json import patient_json
from tests.e2e.conftest import Harness
from tests.e2e.flows import enrol, give_consents, open_link, patient_row, press, register, step

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

    asked_language = await give_consents(harness, PATIENT, consent)
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
    assert patient.health_consent_version == enrollment.HEALTH_CONSENT_VERSION
    assert patient.health_consented_at == harness.clock.now()
    # the consent texts stay in the chat, with the choice under them (not edited away)
    texts = [m.get("text", "") for m in await harness.sandbox.sent_messages(PATIENT)]
    assert any("/privacy" in t and "✔" in t for t in texts)
    assert any("2/2" in t and "✔" in t for t in texts)

    async with harness.running.db.session() as session:
        shown = await patient_json(session, patient)
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
    await press(harness, PATIENT, consent, "1|consent|no", "저장하지 않았어요")
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
    await give_consents(harness, PATIENT, consent)

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


async def test_refusing_the_health_data_consent_ends_politely_and_stores_nothing(
    harness: Harness,
) -> None:
    code, invite = await enrol(harness)
    await harness.sandbox.ensure_user(PATIENT, "환자", language_code="ko")
    consent = await open_link(harness, PATIENT, invite, "동의")
    health = await press(harness, PATIENT, consent, "1|consent|yes", "2/2")
    assert (await patient_row(harness, code)).chat_id is None  # one consent stores nothing
    await press(harness, PATIENT, health, "1|hconsent|no", "저장하지 않았어요")
    patient = await patient_row(harness, code)
    assert patient.chat_id is None and patient.status == PatientStatus.INVITED
    assert patient.consented_at is None and patient.health_consented_at is None
    async with harness.running.db.session() as session:
        stored = await session.scalar(select(Invite))
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert stored is not None and stored.pending_chat_id is None and stored.used_at is None
    assert "patient.consented" not in actions


async def test_old_registration_buttons_change_nothing_for_an_active_patient(
    harness: Harness,
) -> None:
    code = await register(harness, PATIENT, language="ko")
    before = await patient_row(harness, code)
    last = (await harness.sandbox.sent_messages(PATIENT))[-1]
    seen = last["message_id"]
    for stale in ("1|lang|en", "1|sdate|no", "1|wake|6-21", "1|consent|no", "1|hconsent|yes"):
        await harness.sandbox.press_button(PATIENT, PATIENT, last["message_id"], stale, force=True)
        refusal = await harness.sandbox.wait_for_message(
            PATIENT, "지난 질문", after_message_id=seen
        )
        seen = refusal["message_id"]
    after = await patient_row(harness, code)
    assert (after.language, after.waking_start, after.waking_end, after.status) == (
        before.language,
        before.waking_start,
        before.waking_end,
        PatientStatus.ACTIVE,
    )
    async with harness.running.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "patient.surgery_date_disputed" not in actions


async def test_privacy_shows_both_consents_again_with_the_versions_agreed_to(
    harness: Harness,
) -> None:
    await register(harness, PATIENT, language="en")
    sent = await harness.sandbox.send_text(PATIENT, "/privacy")
    service = await harness.sandbox.wait_for_message(
        PATIENT, "(1/2)", after_message_id=sent["message_id"]
    )
    assert enrollment.CONSENT_VERSION in service["text"]
    health = await harness.sandbox.wait_for_message(
        PATIENT, "(2/2)", after_message_id=sent["message_id"]
    )
    assert enrollment.HEALTH_CONSENT_VERSION in health["text"]
    assert "November 20, 2026" in health["text"]
