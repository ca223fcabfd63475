"""Sessions live on the server: they end after 30 idle minutes (polling does not
count), after 12 hours in any case, at logout (a copied cookie included), and
everywhere at once with "log out everywhere" or by an admin. Each is listed on the
account page with its device and when it was last used."""

from __future__ import annotations

from typing import Any

from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.world import World

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


async def test_an_idle_session_expires(as_ana: Browser, clock: FakeClock) -> None:
    clock.advance(minutes=25)
    assert (await as_ana.get("/")).status_code == 200  # activity: the idle clock restarts
    clock.advance(minutes=29)
    assert (await as_ana.get("/")).status_code == 200
    clock.advance(minutes=31)
    expired = await as_ana.get("/flags")
    assert expired.status_code == 303 and expired.headers["location"] == "/login"
    login = await as_ana.get("/login")
    assert "Tu sesión terminó" in login.text
    assert (await as_ana.get("/")).status_code == 303


async def test_polling_for_urgent_items_does_not_keep_a_session_alive(
    as_ana: Browser, clock: FakeClock
) -> None:
    for _ in range(10):
        clock.advance(minutes=10)
        poll = await as_ana.get("/dashboard/urgent")
        if poll.status_code == 401:
            break
    assert poll.status_code == 401
    assert poll.json() == {"login": "/login"}
    assert (await as_ana.get("/")).status_code == 303


async def test_no_session_outlives_twelve_hours(as_ana: Browser, clock: FakeClock) -> None:
    for _ in range(11 * 4):
        clock.advance(minutes=15)
        assert (await as_ana.get("/")).status_code == 200
    clock.advance(minutes=61)
    assert (await as_ana.get("/")).status_code == 303


async def test_logging_out_ends_the_session_and_every_copy_of_its_cookie(
    as_ana: Browser, browsers: Any
) -> None:
    copied_cookie = dict(as_ana.client.cookies)
    response = await as_ana.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await as_ana.get("/")).status_code == 303
    thief: Browser = browsers()
    thief.client.cookies.update(copied_cookie)
    assert (await thief.get("/")).status_code == 303
    assert (await thief.get("/cases")).status_code == 303


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


async def test_an_admin_ends_the_sessions_of_anyone(
    browsers: Any, world: World, container: Container
) -> None:
    ana: Browser = browsers()
    admin: Browser = browsers()
    assert (await ana.login("ana")).status_code == 303
    assert (await admin.login("admin")).status_code == 303
    await admin.post(f"/admin/staff/{world.ana.id}/logout")
    assert (await ana.get("/")).status_code == 303
    assert (await admin.get("/")).status_code == 200


async def test_the_account_page_lists_each_session_with_its_device_and_ends_one(
    browsers: Any, world: World, clock: FakeClock
) -> None:
    laptop: Browser = browsers()
    phone: Browser = browsers()
    laptop.client.headers["user-agent"] = FIREFOX
    phone.client.headers["user-agent"] = ANDROID
    assert (await laptop.login("ana")).status_code == 303
    clock.advance(minutes=5)
    assert (await phone.login("ana")).status_code == 303
    page = (await laptop.get("/account")).text
    assert "Firefox · Windows" in page and "Chrome · Android" in page
    assert "(este equipo)" in page
    other = [line for line in page.splitlines() if "/account/sessions/" in line and "/end" in line]
    assert len(other) == 1  # this device has no "end" button: log out does that
    path = other[0].split('action="')[1].split('"')[0]
    await laptop.post(path)
    assert (await phone.get("/")).status_code == 303
    assert (await laptop.get("/")).status_code == 200
    assert "Chrome · Android" not in (await laptop.get("/account")).text


async def test_a_tampered_cookie_is_an_anonymous_visitor(as_ana: Browser) -> None:
    name, value = next(iter(as_ana.client.cookies.items()))
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    as_ana.client.cookies.clear()
    as_ana.client.cookies.set(name, forged)
    assert (await as_ana.get("/")).status_code == 303
