"""A patient who blocks the bot is a safety matter: the coordinators hear at once."""

from __future__ import annotations

from sqlalchemy import func, select

from care.storage.models import Alert, MessageState, PatientStatus, ScheduledMessage
from tests.e2e.conftest import Harness
from tests.e2e.flows import patient_row, register

USER = 9201
COORDINATORS = -1001


async def test_blocking_alerts_the_coordinators_at_once_and_unblocking_resumes(
    harness: Harness,
) -> None:
    code = await register(harness, USER, language="en")
    await harness.sandbox.ensure_group(COORDINATORS, "Nurses", members=[9001])

    await harness.sandbox.block(USER)
    posted = await harness.sandbox.wait_for_message(COORDINATORS, lambda m: "1|ack|" in str(m))
    assert code in posted["text"]
    patient = await patient_row(harness, code)
    assert patient.status == PatientStatus.UNREACHABLE
    async with harness.running.db.session() as session:
        alert = await session.scalar(select(Alert))
        pending = await session.scalar(
            select(func.count())
            .select_from(ScheduledMessage)
            .where(ScheduledMessage.state == MessageState.PENDING)
        )
    assert alert is not None and (alert.severity, alert.source) == ("red", "unreachable")
    assert pending == 0

    await harness.sandbox.unblock(USER)
    await harness.sandbox.wait_for_message(USER, "Good to have you back")
    patient = await patient_row(harness, code)
    assert patient.status == PatientStatus.ACTIVE
    async with harness.running.db.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(ScheduledMessage)
            .where(ScheduledMessage.state == MessageState.PENDING)
        )
    assert pending and pending > 0


async def test_a_stranger_blocking_the_bot_leaves_no_trace(harness: Harness) -> None:
    await harness.sandbox.ensure_user(9299, "Stranger", language_code="ko")
    sent = await harness.sandbox.send_text(9299, "/start")
    await harness.sandbox.wait_for_message(9299, "초대 링크", after_message_id=sent["message_id"])
    await harness.sandbox.block(9299)
    await harness.sandbox.unblock(9299)
    sent = await harness.sandbox.send_text(9299, "/start")
    await harness.sandbox.wait_for_message(9299, "초대 링크", after_message_id=sent["message_id"])
    async with harness.running.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Alert)) == 0
