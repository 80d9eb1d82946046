"""CLI commands for the care team: broadcast, export, audit, coordinator add/remove/list.

Like ``spinecare/cli.py``: this module parses and prints; the work is done by the
coroutines in ``spinecare/care_team_commands.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from spinecare import care_team_commands as commands
from spinecare.cli_common import run_async as _run
from spinecare.cli_common import settings as _settings

coordinator_app = typer.Typer(help="Who may use the coordinator commands.", no_args_is_help=True)


def broadcast(
    audience: Annotated[
        str,
        typer.Option(help="all, week:1-2, approach:transforaminal, language:en or patient:CODE"),
    ],
    text: Annotated[
        str, typer.Option(help="the notice (Korean; sent to everyone without --text-en)")
    ],
    text_en: Annotated[
        str | None,
        typer.Option("--text-en", help="the English notice, for English-speaking patients"),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="send without asking")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
) -> None:
    """Send a notice to patients (queued; the running service sends it and reports)."""
    loaded = _settings()
    preview = _run(commands.broadcast_preview(loaded, audience))
    if preview["recipients"] == 0:
        typer.echo(f"no active patient matches {preview['audience']}; nothing sent", err=True)
        raise typer.Exit(1)
    if not yes:
        typer.echo(f"{preview['recipients']} patients in {preview['audience']}", err=as_json)
        if not typer.confirm("Send the broadcast?", err=True):
            typer.echo("not sent", err=True)
            raise typer.Exit(1)
    result = _run(commands.broadcast_send(loaded, audience=audience, text=text, text_en=text_en))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        typer.echo(
            f"broadcast #{result['broadcast_id']} queued for {result['total']} patients "
            f"({result['audience']}); the running service sends it"
        )


def broadcasts_list(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Recent broadcasts with what became of their deliveries."""
    rows = _run(commands.broadcast_list(_settings()))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(
            f"#{row['broadcast_id']:<5} {row['created_at']}  {row['state']:<10} "
            f"{row['audience']:<24} "
            f"sent {row['sent']}  blocked {row['blocked']}  failed {row['failed']}  "
            f"pending {row['pending']}  cancelled {row['cancelled']}"
        )


def broadcast_cancel(broadcast_id: int) -> None:
    """Stop a broadcast: what is not sent yet is cancelled."""
    cancelled = _run(commands.broadcast_cancel(_settings(), broadcast_id))
    typer.echo(f"broadcast #{broadcast_id}: {cancelled} deliveries cancelled")


def export(
    what: Annotated[str, typer.Option(help="patients, checkins, alerts, deliveries or messages")],
    fmt: Annotated[str, typer.Option("--format", help="csv (UTF-8 with BOM) or json")] = "csv",
    since: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD, from that day in the clinic's zone")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="a file (default: standard output)")
    ] = None,
) -> None:
    """Export records for the care team (pseudonymous patient codes, no names)."""
    data, rows = _run(commands.export(_settings(), what=what, fmt=fmt, since_date=since))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    output.write_bytes(data)
    typer.echo(f"{rows} rows written to {output}", err=True)


def audit(
    since: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD, from that day in the clinic's zone")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="at most this many entries")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """The audit log: who did what, oldest first (ids and states, never clinical text)."""
    for row in _run(commands.audit_log(_settings(), since_date=since, limit=limit)):
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
            continue
        detail = " ".join(f"{key}={value}" for key, value in row["detail"].items())
        typer.echo(
            f"{row['at']}  {row['actor']:<22} {row['action']:<28} "
            f"{row['subject'] or '-'}  {detail}".rstrip()
        )


@coordinator_app.command("add")
def coordinator_add(user_id: int) -> None:
    """Allow a Telegram user (by numeric id) to use the coordinator commands."""
    added = _run(commands.coordinator_change(_settings(), user_id, add=True))
    typer.echo(f"coordinator {user_id} {'added' if added else 'was already there'}")


@coordinator_app.command("remove")
def coordinator_remove(user_id: int) -> None:
    """Remove a coordinator added here (those in SPINECARE_COORDINATOR_IDS stay listed)."""
    removed = _run(commands.coordinator_change(_settings(), user_id, add=False))
    typer.echo(f"coordinator {user_id} {'removed' if removed else 'not found in the database'}")


@coordinator_app.command("list")
def coordinator_list(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Coordinators from the settings and from the database."""
    rows = _run(commands.coordinator_list(_settings()))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        added = f"  added by {row['added_by']} at {row['added_at']}" if row["added_at"] else ""
        typer.echo(f"{row['telegram_user_id']}  {row['source']}{added}")


def console_link(
    coordinator: Annotated[int, typer.Option(help="the coordinator's Telegram user id")],
) -> None:
    """Print a one-time sign-in link to the web console (10 minutes, single use)."""
    from spinecare import care_team_commands as commands

    typer.echo(_run(commands.console_link(_settings(), coordinator)))


def register(app: typer.Typer) -> None:
    """Add the care team's commands to the main ``spinecare`` app."""
    app.command()(broadcast)
    app.command("broadcasts")(broadcasts_list)
    app.command("broadcast-cancel")(broadcast_cancel)
    app.command()(export)
    app.command()(audit)
    app.command("console-link")(console_link)
    app.add_typer(coordinator_app, name="coordinator")
