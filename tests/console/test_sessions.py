"""Sessions end after 8 idle hours (polling does not count), after 24 hours in any
case, on logout, and everywhere at once with "log out everywhere"."""

from __future__ import annotations

from typing import Any

from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.world import World


async def test_an_idle_session_expires(as_ana: Browser, clock: FakeClock) -> None:
    clock.advance(hours=7)
    assert (await as_ana.get("/")).status_code == 200  # activity: the idle clock restarts
    clock.advance(hours=7, minutes=59)
    assert (await as_ana.get("/")).status_code == 200
    clock.advance(hours=8, minutes=1)
    expired = await as_ana.get("/flags")
    assert expired.status_code == 303 and expired.headers["location"] == "/login"
    login = await as_ana.get("/login")
    assert "inactividad" in login.text
    assert (await as_ana.get("/")).status_code == 303


async def test_polling_for_urgent_items_does_not_keep_a_session_alive(
    as_ana: Browser, clock: FakeClock
) -> None:
    for _ in range(10):
        clock.advance(hours=1)
        poll = await as_ana.get("/dashboard/urgent")
        if poll.status_code == 401:
            break
    assert poll.status_code == 401
    assert poll.json() == {"login": "/login"}
    assert (await as_ana.get("/")).status_code == 303


async def test_no_session_outlives_a_day(as_ana: Browser, clock: FakeClock) -> None:
    for _ in range(6):
        clock.advance(hours=4)
        assert (await as_ana.get("/")).status_code == 200
    clock.advance(hours=1)
    assert (await as_ana.get("/")).status_code == 303


async def test_logging_out_ends_the_session(as_ana: Browser) -> None:
    response = await as_ana.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await as_ana.get("/")).status_code == 303


async def test_log_out_everywhere_ends_every_session_of_that_person(
    browsers: Any, world: World, container: Container
) -> None:
    laptop: Browser = browsers()
    phone: Browser = browsers()
    colleague: Browser = browsers()
    for browser, name in ((laptop, "ana"), (phone, "ana"), (colleague, "beto")):
        assert (await browser.login(name)).status_code == 303
    copied_cookie = dict(phone.client.cookies)
    response = await laptop.post("/logout/everywhere")
    assert response.status_code == 303
    assert (await laptop.get("/")).status_code == 303
    assert (await phone.get("/")).status_code == 303
    assert (await colleague.get("/")).status_code == 200
    # A copy of the old cookie does not come back to life.
    thief: Browser = browsers()
    thief.client.cookies.update(copied_cookie)
    assert (await thief.get("/")).status_code == 303
    assert await audit_count(container, "staff.logout_everywhere", staff_id=world.ana.id) == 1
    assert (await phone.login("ana")).status_code == 303
    assert (await phone.get("/")).status_code == 200


async def test_a_tampered_cookie_is_an_anonymous_visitor(as_ana: Browser) -> None:
    name, value = next(iter(as_ana.client.cookies.items()))
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    as_ana.client.cookies.clear()
    as_ana.client.cookies.set(name, forged)
    assert (await as_ana.get("/")).status_code == 303
