"""A reply that cannot be delivered never hides a sign (issue 14, point 10).

Before, the failed reply raised in the handler, the patient got "something went wrong" (if
that got through), and the alert waited 10 minutes in ``awaiting``.
"""

from __future__ import annotations

from sqlalchemy import select

from care.models import Alert, AlertState, AuditEntry
from tests.e2e.conftest import Harness
from tests.e2e.flows import register

USER = 8402
COORDINATORS = -1001


async def test_a_red_sign_whose_advice_cannot_be_delivered_alerts_the_team_at_once(
    harness: Harness,
) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.inject_fault("sendMessage", status=502, count=1)

    await harness.sandbox.send_text(USER, "I can't pee and my legs are numb")

    posted = await harness.sandbox.wait_for_message(COORDINATORS, lambda m: "1|ack|" in str(m))
    assert posted["text"].startswith("🔴")
    await harness.running.application.bot_data["services"].post_alerts.drain()  # recorded
    async with harness.running.db.session() as session:
        [alert] = list(await session.scalars(select(Alert)))
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert (alert.state, alert.severity, alert.escalation_level) == (AlertState.OPEN, "red", 1)
    assert "reply_undelivered" in alert.reasons
    assert "followup.reply_undelivered" in actions
