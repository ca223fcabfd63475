"""``rumbo demo``: a fresh SQLite database seeded with demo data, ready to serve."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from plan_store import migrate
from plan_store.crypto import generate_key
from rumbo.container import build_container
from rumbo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, SeedReport, seed
from rumbo.settings import Settings, load_settings


def prepare_demo(directory: Path, *, port: int | None = None) -> Settings:
    """Recreate the demo database under ``directory`` and print how to reach it.

    The demo keys live beside the database (``keys.env``), never in the real ``.env``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "rumbo-demo.sqlite3"
    for stale in directory.glob("rumbo-demo.sqlite3*"):
        stale.unlink()
    overrides: dict[str, object] = {
        "database": {"url": f"sqlite+aiosqlite:///{database}"},
        "data_key": generate_key(),
        "secret_key": generate_key(),
    }
    if port is not None:
        overrides["port"] = port
    settings = load_settings(**overrides)
    started = time.perf_counter()
    report = asyncio.run(_migrate_and_seed(settings))
    elapsed = time.perf_counter() - started
    print(f"Demo database ready in {elapsed:.1f} s ({database}):")
    for line in report.lines():
        print(f"  {line}")
    print()
    print(f"Console:  http://{settings.host}:{settings.port}/")
    print(f"Web chat: http://{settings.host}:{settings.port}/chat/  (demo channel)")
    print(f"Logins (password {DEMO_PASSWORD}):")
    for username, _password, role in report.logins:
        print(f"  {username:<22} {role}")
    print("Second factor (every demo login): add this key to an authenticator app,")
    print(f"  {DEMO_TOTP_SECRET}")
    print("  or print the current code with:")
    print(f"  uv run python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"")
    return settings


async def _migrate_and_seed(settings: Settings) -> SeedReport:
    container = build_container(settings)
    try:
        await migrate.upgrade(container.engine)
        return await seed(container.uow)
    finally:
        await container.aclose()


__all__ = ["load_settings", "prepare_demo"]
