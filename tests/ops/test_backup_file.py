"""The backup file itself: retention, the key it needs, a file cut short (SQLite
only: the file is the same whatever the database)."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest

from plan_store import migrate
from plan_store.backup import SUFFIX
from plan_store.crypto import generate_key
from plan_store.database import create_engine
from rumbo.cli import main
from tests.ops.support import every_row, use_installation


@pytest.fixture
def key() -> str:
    return generate_key()


def _wipe(url: str) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            await migrate.downgrade(engine, "base")
        finally:
            await engine.dispose()

    asyncio.run(run())


def _backups(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*{SUFFIX}"))


def test_backups_beyond_the_retention_count_are_removed_oldest_first(
    database_url: str, key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_installation(monkeypatch, tmp_path, database_url, key)
    assert main(["db", "upgrade"]) == 0
    directory = tmp_path / "backups"
    directory.mkdir()
    old = [directory / f"rumbo-2026010{day}T030000Z{SUFFIX}" for day in range(1, 5)]
    for path in old:
        path.write_bytes(b"an older backup")
    unrelated = directory / "notes.txt"
    unrelated.write_text("kept")

    assert main(["backup", "--to", str(directory), "--keep", "3"]) == 0

    kept = _backups(directory)
    assert len(kept) == 3
    assert kept[:2] == old[2:]  # the two newest old ones, and the new backup
    assert unrelated.exists()


def test_a_backup_cannot_be_restored_with_another_data_key_or_when_cut_short(
    database_url: str, key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_installation(monkeypatch, tmp_path, database_url, key)
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    assert main(["backup", "--to", str(tmp_path / "backups")]) == 0
    [backup] = _backups(tmp_path / "backups")
    _wipe(database_url)
    err = io.StringIO()

    monkeypatch.setenv("RUMBO_DATA_KEY", generate_key())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stderr", err)
        assert main(["restore", str(backup)]) == 1
    assert "cannot be opened with RUMBO_DATA_KEY" in err.getvalue()

    monkeypatch.setenv("RUMBO_DATA_KEY", key)
    cut = tmp_path / f"cut{SUFFIX}"
    cut.write_bytes(backup.read_bytes()[: os.path.getsize(backup) * 2 // 3])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stderr", err)
        assert main(["restore", str(cut)]) == 1
    assert "ends early" in err.getvalue()
    # Nothing half-restored is left behind.
    assert all(not rows for rows in asyncio.run(every_row(database_url)).values())
