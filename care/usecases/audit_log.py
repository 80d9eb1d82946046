"""Reading the audit log (``spinecare audit`` and the console's Audit page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care.storage.db import Database
from care.views import exports


async def rows(
    db: Database, *, since: datetime | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The audit rows, oldest first, from ``since`` and at most ``limit`` of them."""
    async with db.uow() as uow:
        return await exports.audit_rows(uow.session, since=since, limit=limit)
