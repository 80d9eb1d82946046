"""Run the ``spinecare`` command line in this process (typer's CliRunner), not as a subprocess.

A subprocess costs a second of interpreter and import start-up per call; the end-to-end
tests that are about what a command does, not about the process, run it here instead. The
runner is called in a worker thread because each command runs its own event loop
(``asyncio.run``), and the test's loop is busy running the service. Logs go to the real
stderr, as the command's own do in a subprocess, and stdout holds only what it prints:
the command's own logging set-up is skipped, as it would reroute the test process's logs.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import structlog
from typer.testing import CliRunner

from care.domain.errors import SpinecareError
from spinecare import logs
from spinecare.cli import app, error_line


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: bytes
    stderr: str


def _keep(level: str = "INFO") -> None:
    """In place of ``configure_logging``: the test process keeps its own logging."""


def run(*args: str, env: Mapping[str, str | None], stdin: bytes = b"") -> Ran:
    """``spinecare ARGS`` with these environment variables (None removes one)."""
    structlog_config = structlog.get_config()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.__stderr__))
    configure_logging, logs.configure_logging = logs.configure_logging, _keep
    try:
        result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    finally:
        logs.configure_logging = configure_logging
        structlog.configure(**structlog_config)
    error = result.exception
    if isinstance(error, SpinecareError):  # what ``main`` does around the typer app
        return Ran(error.exit_code, result.stdout_bytes, result.stderr + error_line(error))
    if error is not None and not isinstance(error, SystemExit):
        raise error
    return Ran(result.exit_code, result.stdout_bytes, result.stderr)


async def run_async(*args: str, env: Mapping[str, str | None], stdin: bytes = b"") -> Ran:
    """``run`` from a test's event loop (the command gets a loop of its own in a thread)."""
    return await asyncio.to_thread(run, *args, env=env, stdin=stdin)
