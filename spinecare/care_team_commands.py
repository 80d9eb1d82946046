"""What the care team's CLI commands do, as coroutines over settings (care_team_cli prints)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from care.domain.clock import SystemClock
from care.domain.plan import parse_date
from care.settings import Settings
from care.usecases import audit_log as audit_log_usecase
from care.usecases import broadcast, team_access
from care.usecases import export as export_usecase
from care.views import exports
from spinecare.commands import _database

CLI = "cli"


def since(settings: Settings, value: str | None) -> datetime | None:
    """``--since 2026-11-01``: from the start of that day in the clinic's zone."""
    if value is None:
        return None
    return exports.since_instant(parse_date(value), settings.timezone)


async def broadcast_preview(settings: Settings, audience: str) -> dict[str, Any]:
    db = await _database(settings)
    try:
        parsed, count = await broadcast.preview(db, SystemClock(), audience)
    finally:
        await db.dispose()
    return {"audience": str(parsed), "recipients": count}


async def broadcast_send(
    settings: Settings, *, audience: str, text: str, text_en: str | None
) -> dict[str, Any]:
    """Queue the broadcast: the running service's dispatcher sends it, and its progress is
    shown in the coordinators' chat."""
    db = await _database(settings)
    try:
        created = await broadcast.create(
            db,
            SystemClock(),
            text_ko=text,
            text_en=text_en,
            audience=audience,
            actor=CLI,
            progress_chat_id=settings.coordinator_chat_id,
        )
    finally:
        await db.dispose()
    return {"broadcast_id": created.broadcast_id, "audience": created.audience, **created.counts}


async def broadcast_list(settings: Settings, *, limit: int = 20) -> list[dict[str, Any]]:
    db = await _database(settings)
    try:
        return [
            {
                "broadcast_id": item.id,
                "created_at": exports.iso(item.created_at),
                "created_by": item.created_by,
                "audience": item.audience,
                "state": item.state,
                **counts,
            }
            for item, counts in await broadcast.recent(db, limit=limit)
        ]
    finally:
        await db.dispose()


async def broadcast_cancel(settings: Settings, broadcast_id: int) -> int:
    db = await _database(settings)
    try:
        return (await broadcast.cancel(db, SystemClock(), broadcast_id, actor=CLI)).cancelled
    finally:
        await db.dispose()


async def export(
    settings: Settings, *, what: str, fmt: str, since_date: str | None
) -> tuple[bytes, int]:
    """The export's bytes and its row count; the export itself is audited."""
    exports.parse_what(what)  # a wrong table or format is refused before the database opens
    exports.parse_format(fmt)
    start = since(settings, since_date)
    db = await _database(settings)
    try:
        exported = await export_usecase.export(
            db,
            SystemClock(),
            what,
            fmt,
            since=start,
            actor=CLI,
            questionnaire=settings.questionnaire,
            via="cli",
        )
    finally:
        await db.dispose()
    return exported.data, exported.rows


async def audit_log(
    settings: Settings, *, since_date: str | None, limit: int | None
) -> list[dict[str, Any]]:
    db = await _database(settings)
    try:
        return await audit_log_usecase.rows(db, since=since(settings, since_date), limit=limit)
    finally:
        await db.dispose()


async def coordinator_change(settings: Settings, user_id: int, *, add: bool) -> bool:
    db = await _database(settings)
    try:
        return await team_access.change_coordinator(db, SystemClock(), user_id, add=add, actor=CLI)
    finally:
        await db.dispose()


async def coordinator_list(settings: Settings) -> list[dict[str, Any]]:
    """Coordinators from SPINECARE_COORDINATOR_IDS and from the database."""
    db = await _database(settings)
    try:
        stored = await team_access.added_coordinators(db)
    finally:
        await db.dispose()
    listed = [
        {"telegram_user_id": user_id, "source": "settings", "added_by": None, "added_at": None}
        for user_id in settings.coordinator_ids
    ]
    return listed + [
        {
            "telegram_user_id": item.telegram_user_id,
            "source": "database",
            "added_by": item.added_by,
            "added_at": exports.iso(item.added_at),
        }
        for item in stored
    ]


async def console_link(settings: Settings, coordinator_id: int) -> str:
    """A one-time sign-in link to the web console for a listed coordinator (as /console)."""
    from care.usecases import console_access

    db = await _database(settings)
    try:
        token = await console_access.issue_link(
            db,
            coordinator_id=coordinator_id,
            listed=settings.coordinator_ids,
            actor=CLI,
            now=SystemClock().now(),
        )
    finally:
        await db.dispose()
    return f"{settings.console_public_url}/signin?token={token}"
