"""``rumbo db upgrade`` is safe on every start: several processes starting at once on
a new database all succeed, one of them migrating while the others wait."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from plan_store import migrate
from plan_store.crypto import generate_key
from plan_store.database import create_engine
from tests.ops.processes import ENTRYPOINT, environment


@pytest.fixture(params=["sqlite", "postgres"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_processes_starting_at_once_migrate_a_new_database_once(
    database_url: str, tmp_path: Path
) -> None:
    env = environment(RUMBO_DATABASE_URL=database_url, RUMBO_DATA_KEY=generate_key())
    processes = [
        subprocess.Popen(  # noqa: S603 (our own entry point)
            [str(ENTRYPOINT), "db", "upgrade"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], "\n".join(outputs)

    async def revisions() -> frozenset[str]:
        engine = create_engine(database_url)
        try:
            return await migrate.current_revisions(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(revisions()) == migrate.head_revisions()
    # Once more on a database at head: nothing to do, and no error.
    again = subprocess.run(  # noqa: S603
        [str(ENTRYPOINT), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, check=False
    )
    assert again.returncode == 0
