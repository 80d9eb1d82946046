"""Append to the audit log: who did what to which subject. Ids and states only, no clinical text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from care.storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str | None = None,
    **detail: Any,
) -> AuditEntry:
    entry = AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=detail)
    session.add(entry)
    return entry
