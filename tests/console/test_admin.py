"""The admin area: staff accounts, homes, consent texts and the audit log. Admins
only: anyone else gets the 404 of a page that does not exist, and is audited."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from plan_store.enums import CareSetting, ConsentPurpose, Role
from plan_store.models import Adolescent, AuditEntry, Home, Staff
from plan_store.services import consent, messages
from rumbo.container import Container
from staff_console.options import ConsoleOptions
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import fill, plausible_form, routes_with_method, snapshot
from tests.console.test_case_page import notices
from tests.console.world import PASSWORD, World

NEW_PASSWORD = "otra contraseña larga"


@pytest.fixture
def options() -> ConsoleOptions:
    return ConsoleOptions(audit_page=5)


@pytest.fixture
async def as_admin(browsers: Any, world: World) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login("admin")).status_code == 303
    return browser


async def after(browser: Browser, response: Any) -> str:
    """The page a form's redirect lands on."""
    assert response.status_code == 303, response.status_code
    return (await browser.get(response.headers["location"])).text


async def member(container: Container, username: str) -> Staff:
    async with container.uow() as uow:
        found = await uow.session.scalar(select(Staff).where(Staff.username == username))
        assert found is not None
        uow.session.expunge(found)  # read as it is now, after the session ends
        return found


def admin_paths(app: Any, world: World, method: str) -> list[str]:
    return [
        fill(p, world.ana_case) for p in routes_with_method(app, method) if p.startswith("/admin")
    ]


# --- Who may come in -----------------------------------------------------------------


async def test_operators_and_coordinators_get_404_everywhere_in_the_admin_area_and_are_audited(
    browsers: Any, app: Any, world: World, container: Container
) -> None:
    pages, forms = admin_paths(app, world, "GET"), admin_paths(app, world, "POST")
    assert {"/admin", "/admin/staff", "/admin/homes", "/admin/consent", "/admin/audit"} <= set(
        pages
    )
    assert len(forms) >= 7, forms
    before = await snapshot(container)
    for username, actor in (("ana", world.ana), ("marta", world.coordinator)):
        browser: Browser = browsers()
        await browser.login(username)
        for path in pages:
            response = await browser.get(path)
            assert response.status_code == 404, (username, path)
            assert "No encontrado" in response.text
            assert "Administración" not in response.text  # not even in the menu
        for path in forms:
            response = await browser.post(path, plausible_form(path))
            assert response.status_code == 404, (username, path)
        refused = await audit_count(container, "console.refused", staff_id=actor.id)
        assert refused == len(pages) + len(forms)
    assert await snapshot(container) == before
    async with container.uow() as uow:
        details = list(
            await uow.session.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "console.refused")
            )
        )
    assert {"method": "GET", "path": "/admin/audit"} in details


async def test_the_admin_finds_the_area_in_the_menu(as_admin: Browser) -> None:
    dashboard = (await as_admin.get("/")).text
    assert 'href="/admin"' in dashboard and 'href="/languages"' in dashboard
    landing = await as_admin.get("/admin")
    assert landing.status_code == 303 and landing.headers["location"] == "/admin/staff"
    for path in ("/admin/staff", "/admin/homes", "/admin/consent", "/admin/audit"):
        page = await as_admin.get(path)
        assert page.status_code == 200, path
        assert 'aria-current="page">Administración' in page.text


# --- Staff accounts ------------------------------------------------------------------


async def test_an_admin_adds_an_account_that_can_log_in_with_its_role_and_home(
    as_admin: Browser, browsers: Any, world: World, container: Container
) -> None:
    listing = (await as_admin.get("/admin/staff")).text
    for name in ("Ana", "Beto", "Marta", "Rosa"):
        assert name in listing
    response = await as_admin.post(
        "/admin/staff",
        {
            "display_name": "Lucía Pérez",
            "username": "Lucia.Perez",
            "role": "coordinator",
            "home_id": str(world.home),
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
        },
    )
    page = await after(as_admin, response)
    assert notices(page) == ["Cuenta creada. Dale su contraseña en persona."]
    assert "Lucía Pérez" in page and "lucia.perez" in page
    lucia = await member(container, "lucia.perez")
    assert (lucia.role, lucia.home_id, lucia.active) == (Role.COORDINATOR, world.home, True)
    assert NEW_PASSWORD not in lucia.password_hash
    assert await audit_count(container, "staff.add", staff_id=world.admin.id) == 1

    browser: Browser = browsers()
    first = await browser.login("lucia.perez", NEW_PASSWORD)
    # A coordinator sets up her second factor before the console opens.
    assert first.headers["location"] == "/login/enrol"
    assert (await browser.get("/cases")).status_code == 303
    codes = await browser.enrol("lucia.perez")
    assert codes.status_code == 200 and "códigos de recuperación" in codes.text
    assert world.ana_case.alias in (await browser.get("/cases")).text  # her home's cases


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"password_repeat": "no es la misma"}, "Las dos contraseñas nuevas no son iguales."),
        (
            {"password": "corta", "password_repeat": "corta"},
            "La contraseña necesita al menos 10 caracteres.",
        ),
        ({"home_id": ""}, "Operadores y coordinación trabajan en una casa: elige cuál."),
        ({"username": "ana"}, "Ya existe uno igual."),
        ({"username": "con espacios"}, "Revisa los datos: algo no es válido."),
        ({"role": "root"}, "Una opción no es válida."),
    ],
)
async def test_a_new_account_is_checked(
    as_admin: Browser,
    world: World,
    container: Container,
    change: dict[str, str],
    problem: str,
) -> None:
    form = {
        "display_name": "Nueva",
        "username": "nueva",
        "role": "operator",
        "home_id": str(world.home),
        "password": NEW_PASSWORD,
        "password_repeat": NEW_PASSWORD,
    } | change
    before = await snapshot(container)
    page = await after(as_admin, await as_admin.post("/admin/staff", form))
    assert notices(page) == [problem]
    assert await snapshot(container) == before


async def test_deactivating_an_account_ends_its_sessions_until_it_is_reactivated(
    as_admin: Browser, as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    ana = world.ana.id
    page = await after(as_admin, await as_admin.post(f"/admin/staff/{ana}/active", {"active": "0"}))
    assert notices(page) == ["Cuenta desactivada. Sus sesiones se cerraron."]
    assert (await as_ana.get("/")).status_code == 303
    assert (await browsers().login("ana")).status_code == 401
    assert await audit_count(container, "staff.deactivate", staff_id=world.admin.id) == 1

    page = await after(as_admin, await as_admin.post(f"/admin/staff/{ana}/active", {"active": "1"}))
    assert notices(page) == ["Cuenta activada de nuevo."]
    assert (await browsers().login("ana")).status_code == 303

    own = await as_admin.post(f"/admin/staff/{world.admin.id}/active", {"active": "0"})
    assert notices(await after(as_admin, own)) == ["No puedes desactivar tu propia cuenta."]
    assert (await member(container, "admin")).active
    missing = await as_admin.post("/admin/staff/999999/active", {"active": "0"})
    assert missing.status_code == 404


async def test_a_new_password_from_the_admin_ends_the_persons_sessions(
    as_admin: Browser, as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    response = await as_admin.post(
        f"/admin/staff/{world.ana.id}/password",
        {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert notices(await after(as_admin, response)) == [
        "Contraseña nueva guardada. Sus sesiones se cerraron."
    ]
    assert (await as_ana.get("/")).status_code == 303
    assert (await browsers().login("ana", PASSWORD)).status_code == 401
    assert (await browsers().login("ana", NEW_PASSWORD)).status_code == 303
    assert (
        await audit_count(
            container,
            "staff.password_reset",
            staff_id=world.admin.id,
            target=f"staff:{world.ana.id}",
        )
        == 1
    )


async def test_an_admin_logs_a_person_out_everywhere(
    as_admin: Browser, as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    beto: Browser = browsers()
    await beto.login("beto")
    response = await as_admin.post(f"/admin/staff/{world.ana.id}/logout")
    assert notices(await after(as_admin, response)) == ["Se cerraron todas sus sesiones."]
    assert (await as_ana.get("/")).status_code == 303
    assert (await beto.get("/")).status_code == 200
    assert (await as_admin.get("/admin/staff")).status_code == 200
    assert (
        await audit_count(
            container,
            "staff.logout_everywhere",
            staff_id=world.admin.id,
            target=f"staff:{world.ana.id}",
        )
        == 1
    )


# --- Homes ---------------------------------------------------------------------------

HOME_FORM = {
    "name": "Casa Sauce",
    "kind": "group_home",
    "timezone": "America/Tijuana",
    "evaluation_cadence_days": "30",
    "retention_days": "7",
    "quiet_start": "22:00",
    "quiet_end": "07:30",
    "emergency_numbers": "Emergencias: 911\r\nGuardia de Casa Sauce: 664 123 4567\r\n",
}


async def test_an_admin_adds_and_edits_a_home(
    as_admin: Browser, world: World, container: Container
) -> None:
    listing = (await as_admin.get("/admin/homes")).text
    assert "Casa Ceiba" in listing and "Casa Nido" in listing
    assert "Línea de la Vida: 800 911 2000" in listing  # the default numbers, ready to edit
    page = await after(as_admin, await as_admin.post("/admin/homes", HOME_FORM))
    assert notices(page) == ["Casa agregada."]
    async with container.uow() as uow:
        home = await uow.session.scalar(select(Home).where(Home.name == "Casa Sauce"))
        assert home is not None
        uow.session.expunge(home)
    assert (home.kind, home.timezone, home.evaluation_cadence_days, home.retention_days) == (
        CareSetting.GROUP_HOME,
        "America/Tijuana",
        30,
        7,
    )
    assert (home.quiet_start, home.quiet_end) == (time(22, 0), time(7, 30))
    assert home.emergency_numbers == {
        "Emergencias": "911",
        "Guardia de Casa Sauce": "664 123 4567",
    }
    assert await audit_count(container, "home.create", staff_id=world.admin.id) == 1

    edit = (await as_admin.get(f"/admin/homes/{world.home}")).text
    assert 'value="Casa Ceiba"' in edit and 'value="14"' in edit and 'value="21:00"' in edit
    changed = HOME_FORM | {
        "name": "Casa Ceiba",
        "kind": "residential_centre",
        "timezone": "America/Mexico_City",
        "evaluation_cadence_days": "28",
        "retention_days": "0",
    }
    page = await after(as_admin, await as_admin.post(f"/admin/homes/{world.home}", changed))
    assert notices(page) == ["Cambios de la casa guardados."]
    async with container.uow() as uow:
        ceiba = await uow.session.get(Home, world.home)
        assert ceiba is not None
        assert ceiba.evaluation_cadence_days == 28
        assert ceiba.quiet_start == time(22, 0)
        entry = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "home.update")
        )
        assert entry is not None and entry.staff_id == world.admin.id
        assert entry.details == {
            "changed": ["emergency_numbers", "evaluation_cadence_days", "quiet_end", "quiet_start"]
        }
    assert (await as_admin.get("/admin/homes/999999")).status_code == 404


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"timezone": "Mars/Olympus"}, "Esa zona horaria no existe. Elige una de la lista."),
        ({"evaluation_cadence_days": "0"}, "Revisa los datos: algo no es válido."),
        ({"evaluation_cadence_days": "-3"}, "Un número no es válido."),
        ({"quiet_end": "25:00"}, "Una hora no es válida."),
        ({"emergency_numbers": "911"}, "Escribe de 1 a 6 números de emergencia"),
        ({"emergency_numbers": "Emergencias: llama"}, "Revisa los datos: algo no es válido."),
        ({"name": "Casa Nido"}, "Ya existe uno igual."),
    ],
)
async def test_a_home_is_checked_before_it_is_saved(
    as_admin: Browser,
    world: World,
    container: Container,
    change: dict[str, str],
    problem: str,
) -> None:
    before = await snapshot(container)
    page = await after(
        as_admin, await as_admin.post(f"/admin/homes/{world.home}", HOME_FORM | change)
    )
    (shown,) = notices(page)
    assert shown.startswith(problem)
    assert await snapshot(container) == before


# --- Consent texts -------------------------------------------------------------------


async def consent_valid(container: Container, case_id: int) -> bool:
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        return (await consent.state(uow, case)).valid


async def test_a_new_consent_version_asks_everyone_again(
    as_admin: Browser, world: World, container: Container
) -> None:
    page = (await as_admin.get("/admin/consent")).text
    assert "versión vigente: 1" in page
    assert "2 adolescentes aceptaron la versión vigente" in page
    assert await consent_valid(container, world.ana_case.id)

    translation = {
        "purpose": "messaging",
        "language": "en",
        "kind": "translation",
        "summary": "What you write here is read by your team.",
        "details": "",
    }
    page = await after(as_admin, await as_admin.post("/admin/consent", translation))
    assert notices(page) == ["Texto publicado."]
    assert "What you write here is read by your team." in page
    assert await consent_valid(container, world.ana_case.id)  # a translation asks nobody

    again = await as_admin.post("/admin/consent", translation)
    assert notices(await after(as_admin, again)) == ["Ya existe uno igual."]

    new = translation | {"language": "es", "kind": "new", "summary": "Lo nuevo que aceptas."}
    unconfirmed = await as_admin.post("/admin/consent", new)
    assert notices(await after(as_admin, unconfirmed)) == ["Marca la casilla para confirmar."]
    assert await consent_valid(container, world.ana_case.id)

    page = await after(as_admin, await as_admin.post("/admin/consent", new | {"confirm": "1"}))
    assert notices(page) == [
        "Versión nueva publicada: se les volverá a pedir el consentimiento a todos."
    ]
    assert "versión vigente: 2" in page
    assert "0 adolescentes aceptaron la versión vigente" in page
    for case in (world.ana_case, world.beto_case):
        assert not await consent_valid(container, case.id)
    async with container.uow() as uow:
        assert await consent.current_version(uow, ConsentPurpose.MESSAGING) == 2
        case = await uow.session.get(Adolescent, world.ana_case.id)
        assert case is not None
        state = await consent.state(uow, case)
        assert (state.version, state.current_version) == (1, 2)
    assert await audit_count(container, "consent_text.publish", staff_id=world.admin.id) == 2


# --- The audit log -------------------------------------------------------------------


def entry_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="entry-(\d+)">', html)]


async def test_the_audit_log_filters_pages_and_never_shows_content(
    as_admin: Browser,
    as_ana: Browser,
    world: World,
    container: Container,
    clock: FakeClock,
) -> None:
    secret = "Mi secreto del chat"
    async with container.uow() as uow:
        await messages.reply(uow, world.ana, world.ana_case.id, secret)
        await uow.commit()
    for _ in range(3):
        await as_ana.get(f"/cases/{world.ana_case.id}")
    clock.advance(days=2)  # both sessions have timed out: log in again
    assert (await as_ana.login("ana")).status_code == 303
    assert (await as_admin.login("admin")).status_code == 303
    await as_ana.get(f"/cases/{world.ana_case.id}")

    everything = (await as_admin.get("/admin/audit")).text
    assert secret not in everything
    newest = entry_ids(everything)
    assert len(newest) == 5 and newest == sorted(newest, reverse=True)
    older = re.search(r'href="(/admin/audit\?before=\d+)"', everything)
    assert older is not None
    second = (await as_admin.get(older.group(1))).text
    assert entry_ids(second) and max(entry_ids(second)) < min(newest)

    reads = f"/admin/audit?staff={world.ana.id}&case={world.ana_case.id}&action=case.read"
    filtered = (await as_admin.get(reads)).text
    assert len(entry_ids(filtered)) == 4
    assert "Ana" in filtered and world.ana_case.case_number in filtered
    assert f'<option value="{world.ana.id}" selected>' in filtered
    assert 'value="case.read"' in filtered and '<option value="staff.login">' in filtered
    # The next page keeps the filter.
    paged = await as_admin.get(reads.replace("/admin/audit?", "/admin/audit?before=999999&"))
    assert len(entry_ids(paged.text)) == 4

    zone = ZoneInfo(ConsoleOptions().timezone)  # the audit log's days are Mexico City's
    today = clock.now.astimezone(zone).date().isoformat()
    two_days_ago = (clock.now - timedelta(days=2)).astimezone(zone).date().isoformat()
    since_today = (await as_admin.get(f"{reads}&from={today}")).text
    assert len(entry_ids(since_today)) == 1
    until_then = (await as_admin.get(f"{reads}&from={two_days_ago}&to={two_days_ago}")).text
    assert len(entry_ids(until_then)) == 3
    nothing = await as_admin.get(f"/admin/audit?case={world.beto_case.id}&action=case.read")
    assert entry_ids(nothing.text) == []
    assert "Nada en el registro con estos filtros." in nothing.text
    # Nonsense in the query string is ignored, not an error.
    odd = await as_admin.get("/admin/audit?staff=abc&case=-1&from=ayer&before=x")
    assert odd.status_code == 200 and len(entry_ids(odd.text)) == 5


async def test_the_audit_log_speaks_in_words_and_links_the_case_and_what_it_is_about(
    as_admin: Browser, as_ana: Browser, world: World
) -> None:
    case = world.ana_case
    await as_ana.post(f"/cases/{case.id}/messages/{case.message}/evaluation", {"marked": "1"})
    page = (await as_admin.get("/admin/audit")).text
    for words in ("Entró a la consola", "Llevó un mensaje a la evaluación"):
        assert words in page, words
    assert f'<a href="/cases/{case.id}">{case.case_number}</a>' in page
    assert (
        f'<a href="/cases/{case.id}#message-{case.message}">Mensaje n.º {case.message}</a>' in page
    )
    assert f"message:{case.message}" not in page
