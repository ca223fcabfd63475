"""Transport fixtures: the fake Telegram Bot API on loopback.

(``PTB_TIMEDELTA`` is set for every test by ``tests/conftest.py``.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
