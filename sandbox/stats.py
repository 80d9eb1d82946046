"""Counters the control API reports: calls per method, answers per status, 429s, faults."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    calls: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    flood_429: int = 0
    faults_injected: int = 0
    webhook_deliveries: int = 0
    webhook_failures: int = 0

    def as_json(
        self, messages_sent: int, pending_updates: int, updates_queued: int = 0
    ) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "statuses": {str(code): count for code, count in self.statuses.items()},
            "flood_429": self.flood_429,
            "faults_injected": self.faults_injected,
            "webhook_deliveries": self.webhook_deliveries,
            "webhook_failures": self.webhook_failures,
            "messages_sent": messages_sent,
            "pending_updates": pending_updates,
            "updates_queued": updates_queued,  # every update ever queued for the bot
        }
