"""Confirm before forgetting: a database outage mid-batch never makes a batch go out again.

Before, a confirmation that failed dropped its list of sent-but-unrecorded messages; their
leases ran out and the whole batch was sent a second time.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from care.domain.clock import FakeClock
from care.domain.messaging import Delivery, Outcome, OutgoingMessage
from care.storage.db import Database, UnitOfWork
from scheduler.dispatcher import DispatchHalted
from tests.support.factories import add_due_messages, add_patients
from tests.support.fakes import RecordingMessenger, message_ids
from tests.support.parts import build_dispatcher
from tests.support.queries import states

SURGERY = date(2026, 11, 18)
MESSAGES = 40


class OutageDatabase(Database):
    """A Database that refuses every new unit of work while ``down`` (the server is away)."""

    down = False

    def uow(self) -> UnitOfWork:
        if self.down:
            raise ConnectionRefusedError("the database is down")
        return super().uow()


async def test_sent_messages_survive_a_failed_confirmation_and_nothing_is_sent_twice(
    database_url: str, clock: FakeClock
) -> None:
    db = OutageDatabase(database_url)
    try:
        await add_patients(db, MESSAGES, surgery_date=SURGERY, now=clock.now())
        due = await add_due_messages(db, MESSAGES, patients=MESSAGES, due_at=clock.now())
        sends = 0

        def outage_after_the_fifteenth(message: OutgoingMessage) -> Delivery:
            nonlocal sends
            sends += 1
            if sends == 15:
                db.down = True
            return Delivery(Outcome.SENT)

        messenger = RecordingMessenger(outage_after_the_fifteenth)
        worker = build_dispatcher(
            db, messenger, clock, worker_id="w", batch=MESSAGES, concurrency=4
        )

        with pytest.raises(DispatchHalted):
            await worker.run_once()
        sent_during_outage = len(messenger.sent)
        clock.advance(timedelta(seconds=30))
        with pytest.raises(ConnectionRefusedError):  # still down: claims nothing, sends nothing
            await worker.run_once()
        assert len(messenger.sent) == sent_during_outage

        db.down = False
        clock.advance(timedelta(minutes=5))  # long past the lease: the rows are not in doubt
        stats = await worker.run_until_idle()

        per_message = Counter(message_ids([m.keyboard for m in messenger.sent]))
        duplicates = sum(count - 1 for count in per_message.values())
        print(
            f"\noutage after 15 sends: {sent_during_outage} sent before the halt, "
            f"{MESSAGES} messages, lost {len(set(due) - set(per_message))}, "
            f"duplicates {duplicates} (bound 0 without a death)"
        )
        assert set(per_message) == set(due)
        assert duplicates == 0
        assert await states(db) == {"sent": MESSAGES}
        assert (stats.resent, stats.resends) == (0, 0)
    finally:
        await db.dispose()
