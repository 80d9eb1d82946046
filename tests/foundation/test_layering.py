"""Which way imports flow: adapters -> use cases -> domain and storage, and never in a circle.

The core (care/) imports neither Telegram nor the scheduler nor any adapter; bot/ and scheduler/
never import the CLI and composition root (spinecare/); the product never imports the sandbox;
inside care/, the domain imports no storage, use case or view, storage imports no use case or
view, and views import no use case; and no module of care, bot, scheduler, messages, spinecare
or console reaches itself through its imports, counting the imports written inside functions;
and the adapters (bot, console, spinecare) open no unit of work: the use cases own them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("care", "bot", "scheduler", "messages", "spinecare", "console")


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
        (
            "care",
            {"telegram", "apscheduler", "bot", "scheduler", "sandbox", "spinecare", "console"},
        ),
        # the domain is values and rules: no database, no network
        ("care/domain", {"sqlalchemy", "alembic", "aiosqlite", "asyncpg", "aiohttp"}),
        ("scheduler", {"telegram", "bot", "sandbox", "spinecare"}),
        ("bot", {"scheduler", "sandbox", "apscheduler", "spinecare"}),
        ("messages", {"telegram", "apscheduler", "bot", "scheduler", "sandbox", "spinecare"}),
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


CARE_LAYERS = ("domain", "storage", "usecases", "views")
# care/ folder -> the care/ folders it must not import
CARE_FORBIDDEN = {
    "domain": {"storage", "usecases", "views"},
    "storage": {"usecases", "views"},
    "views": {"usecases"},
}


def care_layers_imported(source: str, module: str) -> set[str]:
    """The care/ folders (domain, storage, ...) that the module named ``module`` imports.

    Counts ``import care.x``, ``from care.x import ...``, ``from care import x`` and relative
    imports (``from ..x import y``), at the top or inside a function.
    """
    package = module.split(".")[:-1]  # the package a relative import starts from
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        targets: list[list[str]] = []
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            base = base + (node.module.split(".") if node.module else [])
            targets = [[*base, alias.name] for alias in node.names]
        for parts in targets:
            if len(parts) > 1 and parts[0] == "care" and parts[1] in CARE_LAYERS:
                found.add(parts[1])
    return found


def test_the_care_layer_finder_sees_every_way_of_importing() -> None:
    source = """
import care.storage.db
from care.views.exports import rows
from care import usecases
from ..domain import clock
def late():
    from . import sibling
"""
    assert care_layers_imported(source, "care.storage.alerts") == {
        "storage",
        "views",
        "usecases",
        "domain",
    }
    assert care_layers_imported("from care import settings\nimport care", "care.x") == set()


@pytest.mark.parametrize(("layer", "forbidden"), sorted(CARE_FORBIDDEN.items()))
def test_care_layer_does_not_import_a_layer_above_it(layer: str, forbidden: set[str]) -> None:
    folder = ROOT / "care" / layer
    assert folder.is_dir()
    offenders = {}
    for path in sorted(folder.rglob("*.py")):
        name = module_name(path)
        if path.name == "__init__.py":
            name += ".__init__"  # relative imports in a package's __init__ start from the package
        imported = care_layers_imported(path.read_text(encoding="utf-8"), name) & forbidden
        if imported:
            offenders[str(path.relative_to(ROOT))] = sorted(imported)
    assert offenders == {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the product modules it imports, at the top or inside a function."""
    paths = {module_name(p): p for package in PRODUCT for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # ``from care import audit`` imports care.storage.audit
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in paths else node.module)
        graph[name] = {target for target in targets if target in paths and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_of_three_and_ignores_a_chain() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_product_module_reaches_itself_through_its_imports() -> None:
    assert cycles(import_graph()) == []


def units_of_work_opened(directory: Path) -> dict[str, int]:
    """Calls of ``.uow()`` in the modules under ``directory`` (a use case's job, not an
    adapter's), by file name relative to it."""
    found: dict[str, int] = {}
    for path in directory.rglob("*.py"):
        calls = [
            node
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "uow"
        ]
        if calls:
            found[str(path.relative_to(directory))] = len(calls)
    return found


def test_the_uow_finder_counts_a_call_and_ignores_a_mention(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "async def f(db):\n    async with db.uow() as uow:\n        pass\nx = 'db.uow()'\n"
    )
    assert units_of_work_opened(tmp_path) == {"m.py": 1}


@pytest.mark.parametrize("package", ["bot", "console", "spinecare"])
def test_adapters_open_no_unit_of_work_the_use_cases_own_them(package: str) -> None:
    assert units_of_work_opened(ROOT / package) == {}
