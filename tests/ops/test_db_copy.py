"""``rumbo db copy``: from SQLite to PostgreSQL when a second home joins."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from plan_store.crypto import generate_key
from rumbo.cli import main
from tests.databases import postgres_schema_url, postgres_unreachable_reason, sqlite_url
from tests.ops.support import add_recordings_and_terms, every_row, use_installation


def test_db_copy_moves_a_sqlite_installation_into_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reason = asyncio.run(postgres_unreachable_reason())
    if reason is not None:
        pytest.skip(reason)
    key = generate_key()
    source = sqlite_url(tmp_path)
    use_installation(monkeypatch, tmp_path, source, key)
    assert main(["db", "upgrade"]) == 0
    assert main(["seed"]) == 0
    add_recordings_and_terms()
    before = asyncio.run(every_row(source))

    async def copy_into_new_schema() -> None:
        async with postgres_schema_url() as target:
            code = await asyncio.to_thread(main, ["db", "copy", source, target])
            assert code == 0
            assert await every_row(target) == before
            # A second copy into the now full database is refused, and changes nothing.
            assert await asyncio.to_thread(main, ["db", "copy", source, target]) == 1
            assert await every_row(target) == before

    asyncio.run(copy_into_new_schema())
