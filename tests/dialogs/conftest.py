"""Dialog tests run on SQLite, through the real pipeline and services.

``world`` is the scene of ``tests/dialogs/builders.py``; ``chat`` is Luna's chat in
it, linked and with consent given, at the menu.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from plan_store.services import staff
from rumbo.container import Container
from tests.dialogs.builders import World, a_consented_chat, a_world
from tests.dialogs.chat import Chat


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff accounts are only scenery here: Argon2id with tiny costs."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
async def world(container: Container) -> World:
    return await a_world(container)


@pytest.fixture
async def chat(container: Container, world: World) -> Chat:
    return await a_consented_chat(container, world)
