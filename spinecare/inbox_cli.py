"""``spinecare inbox`` and ``spinecare reply``: the care team's inbox from the command line.

The same use cases as /inbox and a reply to a card in the group (care.usecases.conversation).
A reply is queued; the running service delivers it within seconds (its 2 s job).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from care.domain.clock import SystemClock
from care.settings import Settings
from care.usecases import conversation as usecases
from spinecare.cli_common import run_async
from spinecare.cli_common import settings as _settings
from spinecare.commands import _database

CLI = "cli"


async def inbox_rows(settings: Settings, *, include_handled: bool) -> list[dict[str, Any]]:
    db = await _database(settings)
    try:
        found = await usecases.inbox(
            db, SystemClock(), actor=CLI, size=10**6, include_handled=include_handled
        )
    finally:
        await db.dispose()
    return [item_row(entry.item, entry.patient.code) for entry in found.entries]


def item_row(item: Any, code: str) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "item_id": item.id,
        "patient_code": code,
        "received_at": iso(item.created_at),
        "direction": item.direction,
        "kind": item.kind,
        "tier": item.tier,
        "attachment": item.attachment,
        "text": item.text,
        "state": item.state,
        "seen_by": item.seen_by,
        "seen_at": iso(item.seen_at),
        "handled_by": item.handled_by,
        "handled_at": iso(item.handled_at),
        "author": item.author,
        "delivery": item.post_state,
    }


async def send_reply(settings: Settings, code: str, text: str) -> usecases.ReplyOutcome:
    db = await _database(settings)
    try:
        return await usecases.reply_to_patient(db, SystemClock(), code=code, text=text, actor=CLI)
    finally:
        await db.dispose()


async def mark_handled(settings: Settings, item_id: int) -> bool:
    db = await _database(settings)
    try:
        return await usecases.handle(db, SystemClock(), item_id=item_id, actor=CLI) is not None
    finally:
        await db.dispose()


def inbox(
    include_all: Annotated[
        bool, typer.Option("--all", help="handled messages too, not only those waiting")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
    handled: Annotated[
        int | None, typer.Option("--handled", help="mark this item handled (its item_id)")
    ] = None,
) -> None:
    """Patients' messages still to handle, oldest first (the same list as /inbox)."""
    loaded = _settings()
    if handled is not None:
        if not run_async(mark_handled(loaded, handled)):
            typer.echo(f"no message {handled} in the inbox", err=True)
            raise typer.Exit(1)
        typer.echo(f"message {handled} handled")
        return
    rows = run_async(inbox_rows(loaded, include_handled=include_all))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        typer.echo("nothing waiting in the inbox")
    for row in rows:
        words = " ".join((row["text"] or "").split())
        typer.echo(
            f"#{row['item_id']:<5} {row['received_at'][:16]}  {row['patient_code']}  "
            f"{row['tier'] or '-':<5} {row['kind']:<12} {row['state']:<8} {words}"
        )


def reply(
    code: Annotated[str, typer.Argument(help="the patient code, e.g. P-7K3QM2")],
    text: Annotated[str, typer.Option(help="what the patient receives from their care team")],
) -> None:
    """Send a message to a patient from their care team (delivered by the running service)."""
    outcome = run_async(send_reply(_settings(), code, text))
    if not outcome.queued:
        reason = {
            usecases.ReplyStatus.UNKNOWN_PATIENT: f"no patient {code}",
            usecases.ReplyStatus.EMPTY: "nothing to send: --text is empty",
            usecases.ReplyStatus.TOO_LONG: f"--text has more than {usecases.MAX_REPLY} characters",
        }.get(outcome.status, f"{outcome.patient_code} is {outcome.status.value}: phone them")
        typer.echo(f"not sent: {reason}", err=True)
        raise typer.Exit(1)
    typer.echo(f"reply to {outcome.patient_code} queued; the running service delivers it")


def register(app: typer.Typer) -> None:
    app.command()(inbox)
    app.command()(reply)
