"""The outbox has one owner: only ``plan_store`` changes an outbox row's state.

A transport that wants a row sent, retried, cancelled, parked or woken calls
``plan_store.services.outbox`` or ``plan_store.outbox``. This scan reads every module
outside ``plan_store`` and fails on a write it finds: an ``update(OutboxMessage)``
statement, or an assignment of an ``OutboxStatus`` (directly or through a name bound
to one) to an attribute or a ``status=`` keyword.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWNER = "plan_store"
SKIPPED = {OWNER, "tests", "bench", ".venv", "var", "node_modules"}
ROW_STATE = {"status", "attempts", "lease_until", "claim_token", "last_error", "sent_at"}


def _modules() -> list[Path]:
    return sorted(
        path
        for top in ROOT.iterdir()
        if top.is_dir() and top.name not in SKIPPED and not top.name.startswith(".")
        for path in top.rglob("*.py")
    )


def _mentions_outbox_status(node: ast.AST, aliases: set[str]) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and (inner.id == "OutboxStatus" or inner.id in aliases):
            return True
    return False


def _status_aliases(tree: ast.Module) -> set[str]:
    """Names bound to an ``OutboxStatus`` member (``PENDING = OutboxStatus.PENDING``)."""
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _mentions_outbox_status(node.value, set()):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        aliases.add(name.id)
    return aliases


def _is_outbox_update(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Name)
        and node.func.id == "update"
        and any(isinstance(a, ast.Name) and a.id == "OutboxMessage" for a in node.args)
    )


def outbox_writes(source: str, name: str = "<module>") -> list[str]:
    """Where ``source`` writes an outbox row's state, as ``name:line`` strings."""
    tree = ast.parse(source)
    aliases = _status_aliases(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if _is_outbox_update(node):
                found.append(f"{name}:{node.lineno}: update(OutboxMessage)")
            for keyword in node.keywords:
                if keyword.arg == "status" and _mentions_outbox_status(keyword.value, aliases):
                    found.append(f"{name}:{node.lineno}: status={ast.unparse(keyword.value)}")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for target in targets:
                if not isinstance(target, ast.Attribute) or target.attr not in ROW_STATE:
                    continue
                if target.attr == "status" and (
                    value is None or not _mentions_outbox_status(value, aliases)
                ):
                    continue  # another table's status (an appointment's, a case's)
                if target.attr != "status" and not _names_outbox_row(target):
                    continue
                found.append(f"{name}:{node.lineno}: {ast.unparse(target)} =")
    return found


def _names_outbox_row(target: ast.Attribute) -> bool:
    """``row.attempts`` and the like: only names that say they hold an outbox row."""
    owner = target.value
    return isinstance(owner, ast.Name) and owner.id in {"row", "message", "outbox_row", "parked"}


def test_only_the_plan_store_writes_an_outbox_rows_state() -> None:
    writes = [
        write
        for path in _modules()
        for write in outbox_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert writes == []


def test_the_scan_sees_each_way_of_writing_a_status() -> None:
    source = """
PENDING = OutboxStatus.PENDING
row.status = OutboxStatus.SENT
row.status = PENDING
row.attempts += 1
await session.execute(update(OutboxMessage).where(x).values(status=OutboxStatus.CANCELLED))
statement = update(OutboxMessage).values(not_before=now)
appointment.status = AppointmentStatus.MISSED
"""
    lines = [write.split(":")[1] for write in outbox_writes(source)]
    assert sorted(lines) == ["3", "4", "5", "6", "6", "7"]
