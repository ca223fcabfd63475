"""Mi cuenta: the console language kept in the account, one's own password, and
logging out everywhere."""

from __future__ import annotations

from typing import Any

from plan_store.models import Staff
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.test_case_page import notices
from tests.console.world import PASSWORD, World

NEW_PASSWORD = "una contraseña nueva"


async def language_of(container: Container, staff_id: int) -> str:
    async with container.uow() as uow:
        found = await uow.session.get(Staff, staff_id)
        assert found is not None
        return found.language


async def test_the_language_chosen_in_the_account_is_kept_for_every_later_log_in(
    as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    page = (await as_ana.get("/account")).text
    assert "Mi cuenta" in page and "ana" in page and '<option value="es" selected>' in page
    response = await as_ana.post("/account/language", {"language": "en"})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    page = (await as_ana.get("/account")).text
    assert '<html lang="en">' in page and notices(page) == ["Language saved."]
    assert await language_of(container, world.ana.id) == "en"
    assert await audit_count(container, "staff.language", staff_id=world.ana.id) == 1

    elsewhere: Browser = browsers()  # another computer, a fresh session
    await elsewhere.login("ana")
    assert '<html lang="en">' in (await elsewhere.get("/")).text
    # The session's switch still works for the moment, and does not change the account.
    await elsewhere.get("/?lang=es")
    assert '<html lang="es">' in (await elsewhere.get("/")).text
    assert await language_of(container, world.ana.id) == "en"

    refused = await as_ana.post("/account/language", {"language": "quc"})
    assert notices((await as_ana.get(refused.headers["location"])).text) == [
        "A choice is not valid."
    ]
    assert await language_of(container, world.ana.id) == "en"


async def test_changing_ones_password_keeps_this_session_and_ends_the_others(
    as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    phone: Browser = browsers()
    await phone.login("ana")
    response = await as_ana.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    page = (await as_ana.get(response.headers["location"])).text
    assert notices(page) == ["Contraseña cambiada. Tus otras sesiones se cerraron."]
    assert (await as_ana.get("/")).status_code == 200
    assert (await phone.get("/")).status_code == 303
    assert (await browsers().login("ana", PASSWORD)).status_code == 401
    assert (await browsers().login("ana", NEW_PASSWORD)).status_code == 303
    assert await audit_count(container, "staff.password_change", staff_id=world.ana.id) == 1


async def test_wrong_current_passwords_change_nothing_and_are_slowed_down(
    as_ana: Browser, browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    for attempt in range(4):
        response = await as_ana.post(
            "/account/password",
            {
                "current_password": f"a guess {attempt}",
                "password": NEW_PASSWORD,
                "password_repeat": NEW_PASSWORD,
            },
        )
        page = (await as_ana.get(response.headers["location"])).text
        assert notices(page) == ["La contraseña actual no es correcta."]
    assert await audit_count(container, "staff.password_change_failed", staff_id=world.ana.id) == 4
    # Past three, even the right one waits a little; logging in elsewhere does not.
    response = await as_ana.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    page = (await as_ana.get(response.headers["location"])).text
    assert notices(page) == ["Demasiados intentos. Espera unos minutos y prueba otra vez."]
    assert (await browsers().login("ana")).status_code == 303
    clock.advance(seconds=3)

    mismatch = await as_ana.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": "otra"},
    )
    page = (await as_ana.get(mismatch.headers["location"])).text
    assert notices(page) == ["Las dos contraseñas nuevas no son iguales."]


async def test_log_out_everywhere_from_the_account_page(
    as_ana: Browser, browsers: Any, world: World
) -> None:
    phone: Browser = browsers()
    await phone.login("ana")
    page = (await as_ana.get("/account")).text
    assert 'action="/logout/everywhere"' in page
    assert (await as_ana.post("/logout/everywhere")).status_code == 303
    assert (await phone.get("/")).status_code == 303
