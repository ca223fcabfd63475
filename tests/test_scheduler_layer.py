"""The scheduler decides only when the sweeps run: it knows no transport and holds
no SQL (the sweeps are the dialogs' and the plan store's)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.import_graph import ROOT, edges

SCHEDULER = "bot.scheduler"
TRANSPORT_LIBRARIES = {"telegram", "httpx", "starlette"}


def _scheduler_imports() -> set[str]:
    """Every module name the scheduler's files import, anywhere in them."""
    names: set[str] = set()
    for path in sorted(Path(ROOT, *SCHEDULER.split(".")).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return names


def test_the_scheduler_imports_no_other_part_of_bot() -> None:
    wrong = sorted(
        f"{e.source} imports {e.target}"
        for e in edges()
        if e.source.startswith(SCHEDULER)
        and e.target.startswith("bot.")
        and not e.target.startswith(SCHEDULER)
    )
    assert wrong == []


def test_the_scheduler_imports_no_transport_library() -> None:
    assert {name.split(".")[0] for name in _scheduler_imports()} & TRANSPORT_LIBRARIES == set()


def test_the_scheduler_holds_no_sql() -> None:
    """Nothing of SQLAlchemy but its exceptions: a sweep that met a row another made
    is told apart from one that failed."""
    sql = sorted(
        name
        for name in _scheduler_imports()
        if name.split(".")[0] == "sqlalchemy" and name != "sqlalchemy.exc"
    )
    assert sql == []
