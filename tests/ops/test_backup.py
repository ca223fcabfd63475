"""``rumbo backup``, ``rumbo restore`` and ``rumbo db copy``, on SQLite and PostgreSQL,
through the command an IT volunteer types."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from plan_store import migrate, transfer
from plan_store.backup import SUFFIX
from plan_store.crypto import generate_key
from plan_store.database import create_engine
from plan_store.enums import CareSetting, Role
from plan_store.models import Home, Staff
from rumbo.cli import main
from tests.ops.support import add_recordings_and_terms, every_row, use_installation


@pytest.fixture(params=["sqlite", "postgres"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def installation(
    database_url: str, key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    """A seeded installation at ``database_url``, with uploads the seed leaves out."""
    use_installation(monkeypatch, tmp_path, database_url, key)
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    add_recordings_and_terms()
    return database_url


def _wipe(url: str) -> None:
    async def run() -> frozenset[str]:
        engine = create_engine(url)
        try:
            await migrate.downgrade(engine, "base")
            async with engine.connect() as connection:
                return frozenset(
                    await connection.run_sync(lambda sync: inspect(sync).get_table_names())
                ) - {"alembic_version"}
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == frozenset()


def _backups(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*{SUFFIX}"))


def test_a_backup_restored_into_a_wiped_installation_gives_back_every_row(
    installation: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = asyncio.run(every_row(installation))
    assert before["voice_prompts"] and before["triage_terms"] and before["messages"]
    assert any(row["voice_ciphertext"] for row in before["messages"])

    assert main(["backup", "--to", str(tmp_path / "backups")]) == 0
    [backup] = _backups(tmp_path / "backups")
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    # Encrypted: not even the staff's usernames or a table name can be read in it.
    content = backup.read_bytes()
    assert b"coordinacion" not in content and b"voice_prompts" not in content

    _wipe(installation)
    assert main(["restore", str(backup)]) == 0
    assert "Restored" in capsys.readouterr().out

    assert asyncio.run(every_row(installation)) == before
    # The installation goes on: a new account gets a fresh id (sequences continue).
    add = ["staff", "add", "nueva", "--name", "Nueva", "--role", "admin", "--password-stdin"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO("una clave bastante larga\n"))
        assert main(add) == 0


def test_restore_refuses_an_installation_that_holds_data(
    installation: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backup", "--to", str(tmp_path / "backups")]) == 0
    [backup] = _backups(tmp_path / "backups")
    before = asyncio.run(every_row(installation))

    assert main(["restore", str(backup)]) == 1
    assert "restore needs an empty installation" in capsys.readouterr().err
    assert asyncio.run(every_row(installation)) == before


def test_a_backup_sees_the_database_as_of_one_moment_while_others_write(
    database_url: str, key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_installation(monkeypatch, tmp_path, database_url, key)
    assert main(["db", "upgrade"]) == 0

    async def run() -> tuple[int, int]:
        engine = create_engine(database_url)
        try:
            async with transfer.snapshot(engine) as reading:
                homes = len((await reading.execute(select(Home.id))).all())
                async with engine.begin() as writing:  # another process, meanwhile
                    await writing.execute(
                        insert(Home).values(name="Casa Nueva", kind=CareSetting.RESIDENTIAL_CENTRE)
                    )
                    home_id = await writing.scalar(select(Home.id))
                    await writing.execute(
                        insert(Staff).values(
                            username="ana",
                            display_name="Ana",
                            password_hash="x",
                            role=Role.COORDINATOR,
                            home_id=home_id,
                        )
                    )
                staff = len((await reading.execute(select(Staff.id))).all())
            return homes, staff
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == (0, 0)
