"""Logging in: argon2 passwords, slowed down per account and address and locked per
address in the database (shared by every process), and cookies that say little."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from plan_store.models import Throttle
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


async def test_a_wrong_password_is_refused_and_counted_under_hashed_keys(
    browsers: Any, world: World, container: Container
) -> None:
    browser: Browser = browsers()
    response = await browser.login("ana", "wrong password!")
    assert response.status_code == 401
    assert "incorrectos" in response.text
    assert 'value="ana"' in response.text  # the typed username stays
    assert (await browser.get("/", follow_redirects=False)).status_code == 303
    async with container.uow() as uow:
        rows = [(r.key, r.failures) for r in await uow.session.scalars(select(Throttle))]
    # One counter for ana at this address, one for the address, one for ana.
    assert sorted(failures for _, failures in rows) == [1, 1, 1]
    assert all("ana" not in key and "203.0.113" not in key for key, _ in rows)
    assert await audit_count(container, "staff.login_failed", staff_id=world.ana.id) == 1


async def test_failures_slow_down_that_account_at_that_address_more_and_more(
    browsers: Any, world: World, clock: FakeClock, container: Container
) -> None:
    guesser: Browser = browsers(client_ip="198.51.100.1")
    for _ in range(3):
        assert (await guesser.login("ana", "guess guess guess")).status_code == 401
    assert (await guesser.login("ana", "guess guess guess")).status_code == 401
    # The fourth failure makes the next try at this address wait 2 seconds.
    held = await guesser.login("ana")
    assert held.status_code == 429
    assert "Podrás probar otra vez a partir de las 10:00" in held.text  # 16:00:02 UTC
    assert 'value="ana"' in held.text
    assert await audit_count(container, "staff.login_throttled") == 1
    clock.advance(seconds=3)
    assert (await guesser.login("ana", "guess guess guess")).status_code == 401
    assert (await guesser.login("ana", "guess guess guess")).status_code == 429
    clock.advance(seconds=3)
    assert (await guesser.login("ana", "guess guess guess")).status_code == 429  # now 4 s
    clock.advance(seconds=2)
    # Other accounts at this address, and ana at her own, are not held back.
    assert (await guesser.login("beto")).status_code == 303
    assert (await browsers(client_ip="198.51.100.2").login("ana")).status_code == 303


async def test_too_many_failures_from_one_address_lock_that_address_only(
    browsers: Any, world: World, clock: FakeClock
) -> None:
    attacker: Browser = browsers(client_ip="198.51.100.9")
    for number in range(20):
        assert (await attacker.login(f"nobody{number}", "guess guess")).status_code == 401
    assert (await attacker.login("beto")).status_code == 429
    assert (await browsers(client_ip="198.51.100.10").login("beto")).status_code == 303
    clock.advance(minutes=16)
    assert (await attacker.login("beto")).status_code == 303


async def test_the_count_is_shared_by_every_console_process(
    browsers: Any, world: World, container: Container, app: Any, authenticator: Any
) -> None:
    """Two app instances over one database stand for two processes."""
    second = create_app(container.uow, secret_key=SECRET)
    for _ in range(2):
        assert (await browsers().login("ana", "wrong one!")).status_code == 401
    transport = httpx.ASGITransport(app=second, client=("203.0.113.7", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
        other = Browser(client, authenticator)
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
