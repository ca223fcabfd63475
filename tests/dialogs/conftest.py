"""Dialog tests run on SQLite, through the real pipeline and services."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from plan_store.services import staff


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff accounts are only scenery here: Argon2id with tiny costs."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
