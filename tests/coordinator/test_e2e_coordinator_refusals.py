"""Someone who is not a coordinator is refused, nothing is sent, and the attempt is audited."""

from __future__ import annotations

from sqlalchemy import select

from care.storage import broadcasts
from care.storage.audiences import parse_audience
from care.storage.models import AuditEntry, Broadcast
from tests.coordinator.console_flows import COORDINATORS, NURSE, STRANGER, nurse, say
from tests.e2e.conftest import Harness
from tests.e2e.flows import register
from tests.support.factories import add_patient
from tests.support.queries import states

NOT_ALLOWED = "담당 의료진만"
PATIENT = 8301


async def refusals(harness: Harness) -> list[AuditEntry]:
    async with harness.running.db.session() as session:
        return list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "coordinator.refused")
                .order_by(AuditEntry.id)
            )
        )


async def test_a_stranger_is_refused_broadcast_patients_and_the_buttons(harness: Harness) -> None:
    await harness.sandbox.ensure_user(STRANGER, "Stranger", language_code="ko")
    await add_patient(harness.running.db, "P-SECRET", now=harness.clock.now(), chat_id=8302)
    await harness.sandbox.ensure_user(8302, "Patient")
    async with harness.running.db.uow() as uow:  # a draft a coordinator left in the group
        draft, _ = await broadcasts.draft(
            uow.session,
            text_ko="공지",
            text_en=None,
            audience=parse_audience("all"),
            actor=f"coordinator:{NURSE}",
            now=harness.clock.now(),
            progress_chat_id=STRANGER,
        )
        await uow.commit()

    refused = await say(harness, STRANGER, "/broadcast", NOT_ALLOWED)
    await say(harness, STRANGER, "all", "등록되지 않은")  # no conversation was started
    listed = await say(harness, STRANGER, "/patients", NOT_ALLOWED)
    assert "P-SECRET" not in listed["text"]
    await say(harness, STRANGER, "/patient P-SECRET", NOT_ALLOWED)
    last = await say(harness, STRANGER, "/export patients", NOT_ALLOWED)
    for forged in (f"1|bc|{draft.id}|send", "1|page|patients|1"):
        await harness.sandbox.press_button(
            STRANGER, STRANGER, refused["message_id"], forged, force=True
        )
        last = await harness.sandbox.wait_for_message(
            STRANGER, NOT_ALLOWED, after_message_id=last["message_id"]
        )
    await harness.running.scheduler.tick()

    assert await harness.sandbox.sent_messages(8302) == []
    assert await harness.sandbox.documents(STRANGER) == []
    assert await states(harness.running.db, draft.id) == {}
    entries = await refusals(harness)
    assert {entry.actor for entry in entries} == {f"telegram:{STRANGER}"}
    assert [entry.subject for entry in entries] == [
        "broadcast.compose",
        "patients.list",
        "patients.show",
        "export",
        "broadcast.send",
        "patients.page",
    ]


async def test_a_patient_never_sees_other_patients(harness: Harness) -> None:
    await register(harness, PATIENT, language="ko")
    await add_patient(harness.running.db, "P-OTHER1", now=harness.clock.now(), chat_id=8303)
    for command in ("/patients", "/patient P-OTHER1", "/alerts", "/broadcast"):
        answer = await say(harness, PATIENT, command, NOT_ALLOWED)
        assert "P-OTHER1" not in answer["text"]
    assert [entry.subject for entry in await refusals(harness)] == [
        "patients.list",
        "patients.show",
        "alerts.list",
        "broadcast.compose",
    ]


async def test_a_coordinator_is_refused_outside_the_allowed_chats(harness: Harness) -> None:
    await nurse(harness)
    await harness.sandbox.ensure_group(-2002, "Family group", members=[NURSE])
    await harness.sandbox.send_text(NURSE, "/broadcast", chat_id=-2002)
    await harness.sandbox.wait_for_message(NURSE, NOT_ALLOWED)  # told privately
    assert await harness.sandbox.sent_messages(-2002) == []  # nothing said in the group
    async with harness.running.db.session() as session:
        assert (await session.scalars(select(Broadcast))).all() == []
    assert [entry.detail["chat_id"] for entry in await refusals(harness)] == [-2002]
    await say(harness, NURSE, "/broadcast", "공지", chat=COORDINATORS)
