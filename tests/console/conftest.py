"""Console tests: the real app over a fresh database, driven over HTTP in-process."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from plan_store.models import AuditEntry
from plan_store.services import staff
from rumbo.container import Container
from staff_console.app import create_app
from staff_console.options import ConsoleOptions
from tests.builders import totp_secret_for
from tests.conftest import FakeClock
from tests.console.world import PASSWORD, World, build_world

SECRET = "console-test-secret-" + "x" * 20
BASE_URL = "http://console.test"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'<code class="wrap">([A-Z2-7 ]+)</code>')


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with tiny costs: the production costs take ~0.1 s per hash."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    staff._dummy_hash.cache_clear()


@pytest.fixture
def db_backend() -> str:
    """SQLite by default; ``RUMBO_CONSOLE_TEST_BACKEND=postgresql`` runs the console
    tests on PostgreSQL (skipped when it cannot be reached)."""
    return os.environ.get("RUMBO_CONSOLE_TEST_BACKEND", "sqlite")


@pytest.fixture
def options() -> ConsoleOptions:
    return ConsoleOptions()


@pytest.fixture
async def world(container: Container) -> World:
    return await build_world(container.uow)


@pytest.fixture
def app(container: Container, options: ConsoleOptions) -> Any:
    return create_app(
        container.uow, secret_key=SECRET, telegram_bot_username="rumbo_test_bot", options=options
    )


class Authenticator:
    """The authenticator app of every test account: the code of the console's
    clock's current step. A step is accepted once per account, so a second log-in
    of the same person in the same 30 seconds first moves the clock on."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.used: dict[str, int] = {}
        self.secrets: dict[str, str] = {}
        """Secrets set up through the console; the others are the builders'."""

    def code(self, username: str) -> str:
        username = username.strip().lower()
        totp = pyotp.TOTP(self.secrets.get(username) or totp_secret_for(username))
        if totp.timecode(self.clock()) <= self.used.get(username, -1):
            self.clock.advance(seconds=30)
        self.used[username] = totp.timecode(self.clock())
        return totp.at(self.clock())


class Browser:
    """An HTTP client with its own cookies, like one browser profile."""

    def __init__(self, client: httpx.AsyncClient, authenticator: Authenticator) -> None:
        self.client = client
        self.authenticator = authenticator
        self._token: str | None = None

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(path, **kwargs)

    async def token(self) -> str:
        if self._token is None:
            self._token = await self.fresh_token()
        return self._token

    async def fresh_token(self) -> str:
        page = await self.client.get("/login")
        if page.status_code == 303:
            page = await self.client.get("/", follow_redirects=True)  # a translator: /languages
        found = _TOKEN.search(page.text)
        assert found, "no CSRF token on the page"
        return found.group(1)

    async def post(
        self, path: str, data: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        form = {"csrf_token": await self.token(), **(data or {})}
        response = await self.client.post(path, data=form, **kwargs)
        if path in ("/login", "/login/code", "/login/enrol", "/logout", "/logout/everywhere"):
            self._token = None  # a login or logout rotates the token
        return response

    async def login(
        self, username: str, password: str = PASSWORD, *, second_factor: bool = True
    ) -> httpx.Response:
        """Password, then (unless told not to) the code of the authenticator app."""
        self._token = None  # the session may have ended (and its token with it)
        response = await self.post("/login", {"username": username, "password": password})
        if second_factor and response.headers.get("location") == "/login/code":
            code = self.authenticator.code(username)
            self._token = await self._token_from("/login/code")
            response = await self.post("/login/code", {"code": code})
        return response

    async def enrol(self, username: str) -> httpx.Response:
        """Set up the second factor the page offers, as a person with her phone
        would: read the key shown, type the code the app makes from it."""
        page = await self.client.get("/login/enrol")
        if page.status_code == 303:
            page = await self.client.get("/account/second-factor")
        shown = _SECRET.search(page.text)
        assert shown, "no key shown for the authenticator app"
        secret = shown.group(1).replace(" ", "")
        self.authenticator.secrets[username] = secret
        found = _TOKEN.search(page.text)
        assert found
        action = "/login/enrol" if "/login/enrol" in page.text else "/account/second-factor"
        response = await self.client.post(
            action, data={"csrf_token": found.group(1), "code": self.authenticator.code(username)}
        )
        self._token = None
        return response

    async def _token_from(self, path: str) -> str:
        page = await self.client.get(path)
        found = _TOKEN.search(page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)


AUTHENTICATORS: list[Authenticator] = []
"""This test's authenticator, for helpers that get no fixtures (browser ``log_in``)."""


@pytest.fixture(autouse=True)
def authenticator(clock: FakeClock) -> Authenticator:
    AUTHENTICATORS[:] = [Authenticator(clock)]
    return AUTHENTICATORS[0]


@pytest.fixture
async def browsers(app: Any, authenticator: Authenticator) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    def make(base_url: str = BASE_URL, client_ip: str = "203.0.113.7") -> Browser:
        transport = httpx.ASGITransport(app=app, client=(client_ip, 51000))
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        clients.append(client)
        return Browser(client, authenticator)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def as_ana(browsers: Any, world: World) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login("ana")).status_code == 303
    return browser


async def audit_count(container: Container, action: str, **where: Any) -> int:
    query = select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
    for field, value in where.items():
        query = query.where(getattr(AuditEntry, field) == value)
    async with container.uow() as uow:
        return int(await uow.session.scalar(query) or 0)
