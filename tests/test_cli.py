"""The ``rumbo`` command, run in-process against a fresh SQLite file."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from plan_store.crypto import generate_key
from plan_store.enums import Channel
from plan_store.models import Adolescent, Staff
from plan_store.services import duty, keys, linking
from rumbo.cli import main
from rumbo.container import build_container
from rumbo.settings import load_settings


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "rumbo.sqlite3"
    monkeypatch.setenv("RUMBO_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("RUMBO_DATA_KEY", generate_key())
    return database


def _count(model: type[Staff] | type[Adolescent]) -> int:
    async def run() -> int:
        container = build_container(load_settings())
        try:
            async with container.uow() as uow:
                return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)
        finally:
            await container.aclose()

    return asyncio.run(run())


def _on_duty_now() -> list[tuple[str, ...]]:
    async def run() -> list[tuple[str, ...]]:
        container = build_container(load_settings())
        try:
            async with container.uow() as uow:
                return [home.on_duty for home in await duty.duty_now(uow)]
        finally:
            await container.aclose()

    return asyncio.run(run())


def test_db_upgrade_then_seed_fills_two_homes_and_forty_adolescents_with_someone_on_duty(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    out = capsys.readouterr().out
    assert "2 homes" in out and "40 adolescents" in out
    assert _count(Adolescent) == 40
    # Whenever the demo is opened, each home has exactly one operator on duty.
    assert [len(names) for names in _on_duty_now()] == [1, 1]


def test_staff_add_reads_the_password_and_refuses_a_taken_username(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    args = ["staff", "add", "ana", "--name", "Ana", "--role", "admin", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("una clave bastante larga\n"))
    assert main(args) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("una clave bastante larga\n"))
    assert main(args) == 1
    assert "taken" in capsys.readouterr().err
    assert _count(Staff) == 1


def test_case_code_prints_a_code_that_links_a_chat(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    capsys.readouterr()
    assert main(["case", "code", "mx-2026-0001"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == linking.CODE_LENGTH

    async def redeem() -> str:
        container = build_container(load_settings())
        try:
            async with container.uow() as uow:
                link = await linking.redeem_code(uow, Channel.TELEGRAM, "555", code)
                case = await uow.session.get(Adolescent, link.adolescent_id)
                assert case is not None
                return case.case_number
        finally:
            await container.aclose()

    assert asyncio.run(redeem()) == "MX-2026-0001"


def test_an_unknown_case_number_is_a_clear_error(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["case", "code", "NOPE-1"]) == 1
    assert "no case numbered NOPE-1" in capsys.readouterr().err


def test_a_bad_setting_stops_the_command_with_its_name(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUMBO_TIMEZONE", "Nowhere/Else")
    assert main(["db", "upgrade"]) == 2
    assert "RUMBO_TIMEZONE" in capsys.readouterr().err


def test_demo_prepares_a_fresh_database_and_prints_how_to_reach_it(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve", "--port", "8765"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8765/" in out
    assert "admin" in out and "rumbo-demo-2026" in out
    assert "Second factor" in out and "RUMBODEMORUMBODEMORUMBODEMO23456" in out
    assert (environment.parent / "var" / "demo" / "rumbo-demo.sqlite3").exists()


def test_keys_rotate_leaves_everything_readable_with_the_new_key_alone(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    old_key, new_key = load_settings().data_key, generate_key()
    assert old_key is not None
    monkeypatch.setenv("RUMBO_DATA_KEY", f"{new_key},{old_key.get_secret_value()}")
    capsys.readouterr()

    assert main(["keys", "rotate"]) == 0

    out = capsys.readouterr().out
    assert "messages: 97" in out and "adolescents: " in out and "appointments: " in out
    monkeypatch.setenv("RUMBO_DATA_KEY", new_key)
    assert asyncio.run(_decrypt_everything()) > 97


async def _decrypt_everything() -> int:
    """Decrypt every encrypted value with the configured keys; count them."""
    container = build_container(load_settings())
    decrypted = 0
    try:
        async with container.uow() as uow:
            for table in keys.ENCRYPTED:
                for row in await uow.session.scalars(select(table.model)):
                    for column in table.columns:
                        value = getattr(row, column)
                        if value is not None:
                            uow.cipher.decrypt_bytes(value)
                            decrypted += 1
            # Aliases, birth dates, titles, places, times, notes, summaries: read
            # (decrypted) as the rows load, so a value under the old key would fail.
            for typed in keys.typed_columns():
                for row in await uow.session.scalars(select(typed.model)):
                    decrypted += sum(getattr(row, c) is not None for c in typed.columns)
    finally:
        await container.aclose()
    return decrypted
