"""Who imports whom in Rumbo: ``python -m tests.import_graph``.

Prints the package-level graph of bot, dialogs, plan_store, staff_console, locales,
web and rumbo (an arrow for each package that imports another, with how many
modules do), then every cycle among modules, counting only the imports that run
when a module is loaded: the top level of a module, outside ``if TYPE_CHECKING:``.
An import inside a function runs later and cannot start a cycle at load time, but
the package graph counts it all the same (it is still a dependency). The tests in
``tests/test_import_graph.py`` hold the layers to it.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "dialogs", "plan_store", "staff_console", "locales", "web", "rumbo")


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    at_load: bool
    """Runs when ``source`` is loaded (not in a function, not for type checking)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the packages, by dotted name (migrations left out: Alembic
    loads them by path)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Each import statement, and whether it runs when the module is loaded."""

    def walk(node: ast.AST, at_load: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, at_load
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, False)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), False)
                for statement in child.orelse:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), at_load)
            else:
                yield from walk(child, at_load)

    return walk(tree, True)


def _resolve(
    statement: ast.Import | ast.ImportFrom, source: str, path: Path, known: set[str]
) -> set[str]:
    """The modules of ours that ``statement`` loads."""
    if isinstance(statement, ast.Import):
        return {_known_prefix(alias.name, known) for alias in statement.names} - {""}
    base = statement.module or ""
    if statement.level:
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for _ in range(statement.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    targets = set()
    for alias in statement.names:
        candidate = f"{base}.{alias.name}"
        targets.add(candidate if candidate in known else _known_prefix(base, known))
    return targets - {""}


def _known_prefix(name: str, known: set[str]) -> str:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def edges() -> list[Edge]:
    found = modules()
    known = set(found)
    result: set[Edge] = set()
    for source, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for statement, at_load in _imports(tree):
            for target in _resolve(statement, source, path, known):
                if target != source:
                    result.add(Edge(source, target, at_load))
    return sorted(result, key=lambda e: (e.source, e.target, e.at_load))


def top_level_imports() -> dict[str, set[str]]:
    """Each module's imported top-level names, ours or not (``telegram``, ``httpx``)."""
    found: dict[str, set[str]] = {}
    for source, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        names = found.setdefault(source, set())
        for statement, _ in _imports(tree):
            if isinstance(statement, ast.Import):
                names.update(alias.name.split(".")[0] for alias in statement.names)
            elif statement.module and not statement.level:
                names.add(statement.module.split(".")[0])
    return found


def package_of(module: str) -> str:
    return module.split(".", 1)[0]


def package_graph(all_edges: list[Edge]) -> Counter[tuple[str, str]]:
    """(importer, imported) packages, and how many modules of the importer do."""
    pairs = {
        (e.source, package_of(e.target))
        for e in all_edges
        if package_of(e.source) != package_of(e.target)
    }
    return Counter((package_of(source), target) for source, target in pairs)


def cycles(all_edges: list[Edge]) -> list[list[str]]:
    """Each group of modules that import one another at load time (strongly
    connected components of more than one module), sorted."""
    graph: dict[str, set[str]] = {}
    for e in all_edges:
        if e.at_load:
            graph.setdefault(e.source, set()).add(e.target)
            graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
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
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def report() -> str:
    all_edges = edges()
    lines = ["Packages (importer -> imported: modules of the importer that do):"]
    for (source, target), count in sorted(package_graph(all_edges).items()):
        lines.append(f"  {source} -> {target}: {count}")
    found = cycles(all_edges)
    lines.append(f"Import cycles among modules at load time: {len(found)}")
    lines.extend(f"  {' <-> '.join(group)}" for group in found)
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
