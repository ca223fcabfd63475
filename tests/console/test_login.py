"""Logging in: argon2 passwords, rate limited per username and per client address
in the database (shared by every process), and cookies that say little."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from plan_store.models import LoginAttempt
from rumbo.container import Container
from staff_console.app import create_app
from tests.conftest import FakeClock
from tests.console.conftest import SECRET, Browser, audit_count
from tests.console.world import World


async def test_a_good_login_lands_on_the_dashboard_with_a_hardened_cookie(
    browsers: Any, world: World, container: Container
) -> None:
    browser: Browser = browsers()
    response = await browser.login("ANA ")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in this test
    dashboard = await browser.get("/")
    assert dashboard.status_code == 200 and "Ana" in dashboard.text
    assert await audit_count(container, "staff.login", staff_id=world.ana.id) == 1


async def test_over_https_the_cookie_is_secure(browsers: Any, world: World) -> None:
    browser: Browser = browsers(base_url="https://console.test")
    response = await browser.login("ana")
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]
    assert "strict-transport-security" in response.headers


async def test_a_wrong_password_is_refused_and_counted(
    browsers: Any, world: World, container: Container
) -> None:
    browser: Browser = browsers()
    response = await browser.login("ana", "wrong password!")
    assert response.status_code == 401
    assert "incorrectos" in response.text
    assert (await browser.get("/", follow_redirects=False)).status_code == 303
    async with container.uow() as uow:
        attempts = await uow.session.scalar(select(func.count(LoginAttempt.id)))
        keys = list(await uow.session.scalars(select(LoginAttempt.key)))
    assert attempts == 2  # one for the username, one for the address
    assert all("ana" not in key and "203.0.113" not in key for key in keys)
    assert await audit_count(container, "staff.login_failed", staff_id=world.ana.id) == 1


async def test_too_many_failures_for_one_username_block_it_for_a_while(
    browsers: Any, world: World, clock: FakeClock, container: Container
) -> None:
    attacker: Browser = browsers(client_ip="198.51.100.1")
    for _ in range(5):
        assert (await attacker.login("ana", "guess guess guess")).status_code == 401
    # Even the right password waits now, from anywhere.
    elsewhere: Browser = browsers(client_ip="198.51.100.2")
    blocked = await elsewhere.login("ana")
    assert blocked.status_code == 429
    assert "Demasiados intentos" in blocked.text
    assert await audit_count(container, "staff.login_throttled") == 1
    # Other accounts are not affected.
    assert (await elsewhere.login("beto")).status_code == 303
    clock.advance(minutes=16)
    assert (await browsers().login("ana")).status_code == 303


async def test_too_many_failures_from_one_address_block_that_address(
    browsers: Any, world: World, clock: FakeClock
) -> None:
    attacker: Browser = browsers(client_ip="198.51.100.9")
    for number in range(20):
        assert (await attacker.login(f"nobody{number}", "guess guess")).status_code == 401
    assert (await attacker.login("beto")).status_code == 429
    assert (await browsers(client_ip="198.51.100.10").login("beto")).status_code == 303


async def test_the_count_is_shared_by_every_console_process(
    browsers: Any, world: World, container: Container, app: Any
) -> None:
    """Two app instances over one database stand for two processes."""
    second = create_app(container.uow, secret_key=SECRET)
    for _ in range(3):
        assert (await browsers().login("ana", "wrong one!")).status_code == 401
    transport = httpx.ASGITransport(app=second, client=("203.0.113.7", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        other = Browser(client)
        for _ in range(2):
            assert (await other.login("ana", "wrong one!")).status_code == 401
        assert (await other.login("ana")).status_code == 429
    assert (await browsers().login("ana")).status_code == 429


async def test_after_login_the_page_asked_for_opens(browsers: Any, world: World) -> None:
    browser: Browser = browsers()
    asked = await browser.get(f"/cases/{world.ana_case.id}")
    assert asked.status_code == 303 and asked.headers["location"] == "/login"
    response = await browser.login("ana")
    assert response.headers["location"] == f"/cases/{world.ana_case.id}"


async def test_an_empty_form_asks_for_both_fields(browsers: Any, world: World) -> None:
    response = await browsers().post("/login", {"username": "", "password": ""})
    assert response.status_code == 400
