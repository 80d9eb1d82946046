"""Posting alerts with short transactions: claim one, send it outside, record what happened.

Telegram paces a group to 20 messages a minute, so a send can wait seconds. Holding a
transaction (on SQLite, the one write lock) across it made every other writer, a patient
confirming a red sign included, fail with "database is locked". So an alert post is:

1. ``claim_next`` (one short transaction): the oldest alert due for posting whose post nobody
   holds is marked ``post_claimed_by`` with a lease (``post_lease_until``); on PostgreSQL the
   row is picked with FOR UPDATE SKIP LOCKED, so two workers never claim the same post.
2. the send, outside any transaction;
3. ``finish`` (one short transaction): the post is recorded (``care.storage.alerts.record_posted``)
   if it went out, and the claim is released either way.

A worker that dies between 1 and 3 leaves a claim whose lease runs out (60 s); the post is
then claimed again, so an alert is never lost, and posted twice at most once per dead worker.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from care.storage.alerts import DEFAULT_REALERT, LAST_LEVEL, due_notifications_query, record_posted
from care.storage.models import Alert, AlertState, Patient

POST_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class ClaimedPost:
    """An alert held for posting at ``level``, with what rendering it needs."""

    alert: Alert  # detached: read, never written through
    patient: Patient
    level: int


async def claim_next(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    lease: timedelta = POST_LEASE,
    exclude: Collection[int] = (),
) -> ClaimedPost | None:
    """Claim the oldest alert due for posting that no live worker holds (and not one of
    ``exclude``: those that failed in this run); None if none."""
    query = (
        due_notifications_query(now)
        .where(or_(Alert.post_lease_until.is_(None), Alert.post_lease_until < now))
        .where(Alert.id.not_in(list(exclude)))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    alert = await session.scalar(query)
    if alert is None:
        return None
    alert.post_claimed_by = worker
    alert.post_lease_until = now + lease
    patient = await session.get_one(Patient, alert.patient_id)  # the foreign key holds it
    await session.flush()
    return ClaimedPost(alert, patient, min(alert.escalation_level + 1, LAST_LEVEL))


async def finish(
    session: AsyncSession,
    post: ClaimedPost,
    *,
    worker: str,
    now: datetime,
    telegram_message_id: int | None,
    sent: bool,
    realert: timedelta = DEFAULT_REALERT,
) -> bool:
    """Record the post if it went out and release the claim. True if recorded now (False:
    not sent, or another worker recorded this level already after our lease ran out)."""
    alert = await session.get(Alert, post.alert.id, with_for_update=True, populate_existing=True)
    if alert is None:
        return False
    recorded = False
    if sent and alert.escalation_level < post.level:
        record_posted(
            session, alert, telegram_message_id=telegram_message_id, now=now, realert=realert
        )
        if alert.state != AlertState.OPEN:  # acknowledged while it was being posted
            alert.next_escalation_at = None
        recorded = True
    if alert.post_claimed_by == worker:
        alert.post_claimed_by = None
        alert.post_lease_until = None
    return recorded
