"""The domain imports neither Telegram nor the scheduler; the product never imports the sandbox."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("care", {"telegram", "apscheduler", "bot", "scheduler", "sandbox", "spinecare"}),
        ("scheduler", {"telegram", "bot", "sandbox"}),
        ("bot", {"scheduler", "sandbox", "apscheduler"}),
        ("messages", {"telegram", "apscheduler", "bot", "scheduler", "sandbox"}),
        # the web console is an adapter like the bot: it calls care/ and words from messages/
        (
            "console",
            {"telegram", "apscheduler", "bot", "scheduler", "sandbox", "spinecare"},
        ),
    ],
)
def test_package_does_not_import_what_it_must_not(package: str, forbidden: set[str]) -> None:
    offenders = {
        path: sorted(names & forbidden)
        for path, names in imported_modules(package).items()
        if names & forbidden
    }
    assert offenders == {}
