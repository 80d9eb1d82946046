"""Two dispatchers on one PostgreSQL database send 2,000 due messages, every one exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date

import pytest

from care.domain.clock import FakeClock
from care.storage.db import Database
from tests.databases import PostgresTemplate
from tests.support.factories import add_due_messages, add_patients
from tests.support.fakes import RecordingMessenger, message_ids
from tests.support.parts import build_dispatcher
from tests.support.queries import states

MESSAGES = 2_000
PATIENTS = 200
SURGERY = date(2026, 11, 15)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def postgres_url(postgres_template: PostgresTemplate) -> AsyncIterator[str]:
    url = await postgres_template.clone()
    yield url
    await postgres_template.drop(url)


async def test_two_workers_send_two_thousand_due_messages_each_exactly_once(
    postgres_url: str, clock: FakeClock
) -> None:
    setup = Database(postgres_url)
    await add_patients(setup, PATIENTS, surgery_date=SURGERY, now=clock.now())
    due = await add_due_messages(setup, MESSAGES, patients=PATIENTS, due_at=clock.now())
    await setup.dispose()
    # Two engines (two connection pools), as two processes would have; the messages are
    # rendered by the real renderer, so each carries its row id in its button.
    engines = [Database(postgres_url), Database(postgres_url)]
    messengers = [RecordingMessenger(pause=0.0005), RecordingMessenger(pause=0.0005)]
    workers = [
        build_dispatcher(db, messenger, clock, worker_id=f"worker-{n}", batch=50)
        for n, (db, messenger) in enumerate(zip(engines, messengers, strict=True))
    ]

    started = time.perf_counter()
    try:
        results = await asyncio.gather(*(w.run_until_idle(max_batches=1_000) for w in workers))
        elapsed = time.perf_counter() - started
        final = await states(engines[0])
    finally:
        for db in engines:
            await db.dispose()

    sent = [message.keyboard for messenger in messengers for message in messenger.sent]
    per_message = Counter(message_ids(sent))
    duplicates = sum(count - 1 for count in per_message.values())
    print(
        f"\n{MESSAGES} due messages, 2 workers on PostgreSQL: {elapsed:.2f} s, "
        f"claimed {[r.claimed for r in results]}, duplicates {duplicates}"
    )
    assert set(per_message) == set(due)
    assert duplicates == 0
    assert final == {"sent": MESSAGES}
    assert all(r.claimed > 0 for r in results)
    assert sum(r.claimed for r in results) == sum(r.sent for r in results) == MESSAGES
    assert sum(r.resent for r in results) == 0
