"""The `spinecare` command line. Each SpinecareError becomes one line on stderr and an exit code."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from care.domain.errors import SpinecareError
from spinecare import care_team_cli, inbox_cli
from spinecare.cli_common import run_async, settings

app = typer.Typer(
    help="Spinecare: follow-up by Telegram after endoscopic lumbar discectomy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
patient_app = typer.Typer(help="Look at patients.", no_args_is_help=True)
app.add_typer(patient_app, name="patient")


@app.command()
def run(
    role: Annotated[
        str, typer.Option(help="all: bot and worker; bot: receive updates; worker: dispatch")
    ] = "all",
) -> None:
    """Run the service (against the local sandbox when no token is set)."""
    from spinecare.service import run_until_stopped

    if role not in ("all", "bot", "worker"):
        raise typer.BadParameter("choose all, bot or worker", param_hint="--role")
    run_async(run_until_stopped(settings(), role))  # type: ignore[arg-type]


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Upgrade the schema (to head by default)."""
    from care.storage import migrate

    url = settings().database_url
    run_async(migrate.upgrade(url, revision))
    typer.echo(f"database at revision {run_async(migrate.current_revision(url))}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (``base`` removes every table)."""
    from care.storage import migrate

    url = settings().database_url
    run_async(migrate.downgrade(url, revision))
    typer.echo(f"database at revision {run_async(migrate.current_revision(url))}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one available."""
    from care.storage import migrate

    url = settings().database_url
    current = run_async(migrate.current_revision(url))
    typer.echo(f"current: {current or 'empty'}; head: {migrate.head_revision(url)}")


@app.command()
def enroll(
    surgery_date: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    approach: Annotated[str, typer.Option(help="interlaminar, transforaminal or biportal")],
    level: Annotated[str | None, typer.Option(help="disc level, e.g. L4-5")] = None,
    language: Annotated[str | None, typer.Option(help="ko or en (default: the setting)")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone (default: the setting)")] = None,
    name: Annotated[str | None, typer.Option(help="optional display name")] = None,
    phone: Annotated[
        str | None, typer.Option(help="optional phone number, shown to coordinators only")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
) -> None:
    """Enrol a patient: prints the patient code, the invite code and the link."""
    from spinecare import commands

    loaded = settings()
    result = run_async(
        commands.enroll(
            loaded,
            surgery_date=surgery_date,
            approach=approach,
            level=level,
            language=language,
            timezone=timezone,
            name=name,
            phone=phone,
        )
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        typer.echo(f"patient code: {result['patient_code']}")
        typer.echo(f"invite code:  {result['invite_code']}  (valid until {result['expires_at']})")
        typer.echo(f"link:         {result['link']}")


@patient_app.command("show")
def patient_show(
    code: str,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
) -> None:
    """One patient: status, plan, the next scheduled messages, last check-in."""
    from spinecare import commands

    summary = run_async(commands.patient_show(settings(), code))
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    window = summary["waking_window"]
    typer.echo(
        f"{summary['patient_code']}  {summary['status']}  surgery {summary['surgery_date']} "
        f"{summary['approach']} {summary['level'] or ''}".rstrip()
    )
    typer.echo(
        f"language {summary['language']}, zone {summary['timezone']}, "
        f"window {window['start']}-{window['end']}, last check-in {summary['last_checkin']}"
    )
    for item in summary["upcoming"]:
        typer.echo(f"  {item['due_at']}  (local {item['local_time']})  {item['kind']}")
    for result in summary["questionnaires"]:
        typer.echo(
            f"  {result['id']} on day {result['post_op_day']}: score {result['score']} "
            f"({result['answered']} items answered)"
        )


@patient_app.command("list")
def patient_list(
    as_json: Annotated[bool, typer.Option("--json", help="a JSON array")] = False,
) -> None:
    """Every patient with status and surgery date."""
    from spinecare import commands

    rows = run_async(commands.patient_list(settings()))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(
            f"{row['patient_code']}  {row['status']:<11}  {row['surgery_date'] or '-':<10}  "
            f"{row['approach'] or '-'}"
        )


@app.command()
def triage(
    text: Annotated[
        str | None, typer.Option(help="one message; otherwise one per line on stdin")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Classify patient messages (red, amber, green or ask) with the bot's own rules."""
    from care.domain.triage import classify

    lines = [text] if text is not None else [line.rstrip("\n") for line in sys.stdin]
    for line in lines:
        if not line.strip():
            continue
        result = classify(line)
        if as_json:
            record = {
                "text": line,
                "tier": result.tier.value,
                "flags": list(result.flags),
                "evidence": list(result.evidence),
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            flags = ",".join(str(flag) for flag in result.flags) or "-"
            evidence = "; ".join(result.evidence) or "-"
            typer.echo(f"{result.tier.value:<5}  flags {flags:<8}  {evidence}  | {line}")


care_team_cli.register(app)
inbox_cli.register(app)


def error_line(error: SpinecareError) -> str:
    """The one line a SpinecareError becomes (a YAML parser's message spans lines)."""
    return "spinecare: " + " ".join(str(error).split())


def main() -> None:
    try:
        app()
    except SpinecareError as error:
        print(error_line(error), file=sys.stderr)
        sys.exit(error.exit_code)
