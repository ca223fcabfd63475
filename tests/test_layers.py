"""What the composition root gives the packages, and what the README tells of it.

``rumbo`` builds every part and hands each a small config object of its own package;
``bot``, ``plan_store`` and ``staff_console`` never import ``rumbo`` (not even for a
type). Every setting and every flag of the ``rumbo`` command is in the README.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

from rumbo import cli
from rumbo.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BELOW_THE_ROOT = ("bot", "plan_store", "staff_console")


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_bot_plan_store_and_console_never_import_rumbo() -> None:
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for package in BELOW_THE_ROOT
        for path in (ROOT / package).rglob("*.py")
        for name in _imported(path)
        if name == "rumbo" or name.startswith("rumbo.")
    )
    assert offenders == []


def test_reading_the_settings_loads_no_part_of_bot() -> None:
    """Settings are read before anything is built: the transports (and
    python-telegram-bot) load only when the composition root builds their part."""
    probe = (
        "import sys; from rumbo.settings import load_settings; load_settings(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('bot', 'telegram')))"
    )
    loaded = subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_the_readme_names_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `RUMBO_")]
    missing = [
        name
        for name in Settings.variables()
        if not any(f"`{name}`" in row.split(" | ")[0] for row in rows)
    ]
    assert missing == []


def _flags(parser: argparse.ArgumentParser, command: str = "rumbo") -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _flags(sub, f"{command} {name}")
        else:
            found.update(
                (command, flag)
                for flag in action.option_strings
                if flag.startswith("--") and flag != "--help"
            )
    return found


def test_the_readme_names_every_flag_of_the_rumbo_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line for line in readme.splitlines() if line.startswith("| `rumbo ")}
    missing = sorted(
        f"{command} {flag}"
        for command, flag in _flags(cli._parser())
        if not any(row.startswith(f"| `{command}") and flag in row for row in rows)
    )
    assert missing == []
