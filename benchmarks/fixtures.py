"""What the benchmarks share: a migrated database full of patients, a recording messenger."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import insert

from care.domain.messaging import Delivery, Keyboard, Outcome, OutgoingMessage
from care.domain.plan import Approach
from care.storage import migrate
from care.storage.db import Database
from care.storage.models import MessageState, Patient, PatientStatus, ScheduledMessage

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
APPROACHES = list(Approach)


def sqlite_url(directory: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{directory / name}.db"


async def database_with_patients(url: str, patients: int, *, first_chat: int = 10_000) -> Database:
    """A migrated database with ``patients`` active patients operated in the last 12 weeks."""
    await migrate.upgrade(url)
    db = Database(url)
    rows = [
        {
            "code": f"P-B{i:06d}",
            "chat_id": first_chat + i,
            "language": "ko" if i % 5 else "en",
            "timezone": "Asia/Seoul",
            "surgery_date": date(2026, 11, 23) - timedelta(days=i % 80),
            "approach": APPROACHES[i % 3],
            "status": PatientStatus.ACTIVE,
            "waking_start": time(8),
            "waking_end": time(21),
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(patients)
    ]
    async with db.uow() as uow:
        for start in range(0, len(rows), 1000):
            await uow.session.execute(insert(Patient), rows[start : start + 1000])
        await uow.commit()
    return db


async def due_messages(db: Database, count: int) -> None:
    """``count`` posture reminders due now, spread over the patients."""
    async with db.uow() as uow:
        ids = list(
            (
                await uow.session.scalars(Patient.__table__.select().with_only_columns(Patient.id))
            ).all()
        )
        rows = [
            {
                "patient_id": ids[i % len(ids)],
                "kind": "posture",
                "payload_key": "pathway.posture.floor",
                "dedupe_key": f"bench:{i}",
                "post_op_day": 3,
                "local_date": date(2026, 11, 24),
                "local_time": time(10),
                "timezone": "Asia/Seoul",
                "due_at": NOW - timedelta(minutes=1),
                "state": MessageState.PENDING,
                "attempts": 0,
                "created_at": NOW,
            }
            for i in range(count)
        ]
        for start in range(0, len(rows), 1000):
            await uow.session.execute(insert(ScheduledMessage), rows[start : start + 1000])
        await uow.commit()


class CountingMessenger:
    """Accepts every message at once: measures our side, not Telegram's."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: OutgoingMessage) -> Delivery:
        self.sent += 1
        return Delivery(Outcome.SENT, message_id=self.sent)

    async def edit(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard = ()
    ) -> Delivery:
        return Delivery(Outcome.SENT, message_id=message_id)


def rss_mb() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
