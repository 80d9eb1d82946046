"""The local journal: updates that could not be stored because the database was down.

An append-only JSON-lines file next to the service. Each line is one update as Telegram sent
it, written and fsynced before the patient is told "received". When the database is back the
file is renamed to a batch (so new outage entries go to a fresh file), each update is handled
again (the received-updates table keeps it once), and the batch is deleted. A batch left by a
crash mid-replay is replayed at the next start; a torn last line is logged and skipped.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)

BATCH_SUFFIX = ".replaying-"


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, update: dict[str, Any]) -> None:
        """Keep one update durably (fsync) before the sender is told it was received."""
        line = json.dumps(update, ensure_ascii=True, separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="ascii") as file:
                file.write(line)
                file.flush()
                os.fsync(file.fileno())

    def batches(self) -> list[Path]:
        """Batches left to replay, oldest first (a crash mid-replay leaves one behind)."""
        pattern = self.path.name + BATCH_SUFFIX + "*"
        return sorted(self.path.parent.glob(pattern))

    def pending(self) -> bool:
        return bool(self.batches()) or (self.path.exists() and self.path.stat().st_size > 0)

    def take(self) -> list[Path]:
        """Close the current file as a batch (atomic rename) and return every batch to replay."""
        with self._lock:
            if self.path.exists() and self.path.stat().st_size > 0:
                self.path.rename(
                    self.path.with_name(f"{self.path.name}{BATCH_SUFFIX}{time.time_ns()}")
                )
        return self.batches()

    @staticmethod
    def read(batch: Path) -> Iterator[dict[str, Any]]:
        for number, line in enumerate(batch.read_text(encoding="ascii").splitlines(), 1):
            try:
                update = json.loads(line)
            except ValueError:
                log.error("journal_line_unreadable", action="journal.replay", line=number)
                continue
            if isinstance(update, dict):
                yield update

    @staticmethod
    def done(batch: Path) -> None:
        batch.unlink(missing_ok=True)
