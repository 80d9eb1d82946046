"""A reply that cannot be delivered never hides a sign (issue 14, point 10).

Before, the failed reply raised in the handler, the patient got "something went wrong" (if
that got through), and the alert waited 10 minutes in ``awaiting``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from care.storage.models import Alert, AlertState, AuditEntry
from tests.e2e.conftest import Harness
from tests.e2e.flows import register

USER = 8402
COORDINATORS = -1001


async def alert_in_group(harness: Harness) -> dict[str, Any]:
    """The alert's post in the group. The one injected fault may hit the patient's reply, the
    card or the alert (they race); a failed alert post waits for the escalator's next run,
    which the kick starts here instead of the 2-second job."""
    services = harness.running.application.bot_data["services"]
    for _ in range(5):
        services.post_alerts()
        await services.post_alerts.drain()
        try:
            return await harness.sandbox.wait_for_message(
                COORDINATORS, lambda m: "1|ack|" in str(m), timeout=2.0
            )
        except TimeoutError:
            continue
    raise AssertionError("the alert never reached the group")


async def test_a_red_sign_whose_advice_cannot_be_delivered_alerts_the_team_at_once(
    harness: Harness,
) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.inject_fault("sendMessage", status=502, count=3)  # card, alert, reply

    await harness.sandbox.send_text(USER, "I can't pee and my legs are numb")

    posted = await alert_in_group(harness)
    assert posted["text"].startswith("🔴")
    await harness.running.application.bot_data["services"].post_alerts.drain()  # recorded
    async with harness.running.db.session() as session:
        [alert] = list(await session.scalars(select(Alert)))
        actions = list(await session.scalars(select(AuditEntry.action)))
    # A stated red sign opens its alert at once (issue 11), whether or not the advice got
    # through: the team has it, posted, although the patient's reply failed.
    assert (alert.state, alert.severity, alert.escalation_level) == (AlertState.OPEN, "red", 1)
    assert "followup.stated" in actions


async def test_an_unsure_message_whose_question_cannot_be_delivered_alerts_the_team_at_once(
    harness: Harness,
) -> None:
    await register(harness, USER, language="en")
    await harness.sandbox.inject_fault("sendMessage", status=502, count=3)  # card, alert, reply

    await harness.sandbox.send_text(USER, "my leg feels strange")  # the reader asks about it

    posted = await alert_in_group(harness)
    assert posted["text"].startswith("🟠")
    async with harness.running.db.session() as session:
        [alert] = list(await session.scalars(select(Alert)))
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert alert.state == AlertState.OPEN  # not left awaiting an answer that cannot come
    assert "reply_undelivered" in alert.reasons
    assert "followup.reply_undelivered" in actions
