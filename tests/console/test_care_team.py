"""The team around the plan in the console: psychologists, social workers, lawyers and
educators read every case of their home (and no other), leave notes, and make only
the changes of their role; whatever else they try is refused in words, audited, and
changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from plan_store.enums import Role
from plan_store.models import Home
from rumbo.container import Container
from tests.builders import a_case, a_staff_member
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import snapshot
from tests.console.world import World

TEAM_ROLES = (Role.PSYCHOLOGIST, Role.SOCIAL_WORKER, Role.LAWYER, Role.EDUCATOR)


def notices(html: str) -> list[str]:
    return re.findall(r'<p class="notice (?:done|problem)">([^<]*)</p>', html)


async def a_member(browsers: Any, container: Container, world: World, role: Role) -> Browser:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await a_staff_member(uow, home, "lucia", role, display_name="Lucía")
        await uow.commit()
    browser: Browser = browsers()
    assert (await browser.login("lucia")).status_code == 303
    return browser


@pytest.mark.parametrize("role", TEAM_ROLES)
async def test_the_team_reads_every_case_of_their_home_and_no_other(
    browsers: Any, world: World, container: Container, role: Role
) -> None:
    async with container.uow() as uow:
        far = await a_case(uow, await uow.session.get_one(Home, world.other_home), None, "NIDO-1")
        await uow.commit()
    member = await a_member(browsers, container, world, role)
    listing = (await member.get("/cases")).text
    assert world.ana_case.alias in listing and world.beto_case.alias in listing
    for case in (world.ana_case, world.beto_case):
        page = await member.get(f"/cases/{case.id}")
        assert page.status_code == 200 and case.alias in page.text
    assert (await member.get(f"/cases/{far.id}")).status_code == 404
    assert (await member.get("/admin")).status_code == 404
    assert await audit_count(container, "case.read", adolescent_id=world.beto_case.id) == 1
    assert await audit_count(container, "case.out_of_scope", adolescent_id=far.id) == 1


@pytest.mark.parametrize("role", TEAM_ROLES)
async def test_the_team_leaves_notes_but_does_not_make_the_operators_changes(
    browsers: Any, world: World, container: Container, role: Role
) -> None:
    member = await a_member(browsers, container, world, role)
    case = world.ana_case
    base = f"/cases/{case.id}"
    await member.post(f"{base}/notes", {"note": "Habló de su mamá; quiere llamarla."})
    page = (await member.get(base)).text
    assert "Nota guardada. La ve el equipo del caso, no el chat." in notices(page)
    assert "Habló de su mamá; quiere llamarla." in page and "Lucía" in page
    assert f'action="{base}/reply"' not in page  # her chat is the operator's
    assert f'action="{base}/goals"' not in page

    before = await snapshot(container)
    for path, form in (
        (f"{base}/goals", {"title": "Otra", "programme": "education", "horizon": "short"}),
        (f"{base}/reply", {"body": "Hola"}),
        (f"{base}/phase", {"phase": "transition"}),
        (f"{base}/steps/{case.step_done}/confirm", {}),
        (f"{base}/flags/{case.flag}/resolve", {"note": "Resuelta"}),
    ):
        response = await member.post(path, form)
        assert response.status_code == 303, path
        refused = notices((await member.get(base)).text)
        assert "Ese cambio no le toca a tu papel en el equipo." in " ".join(refused), path
    assert await snapshot(container) == before
    assert await audit_count(container, "case.role_refused", adolescent_id=case.id) == 5


async def test_the_family_and_legal_routes_show_on_the_case_page_once_begun(
    as_ana: Browser, world: World
) -> None:
    base = f"/cases/{world.ana_case.id}"
    assert "<h3>Contacto con la familia</h3>" not in (await as_ana.get(base)).text
    await as_ana.post(
        f"{base}/goals",
        {
            "title": "Hablar con mi mamá cada semana",
            "programme": "family_contact",
            "horizon": "short",
        },
    )
    await as_ana.post(
        f"{base}/goals",
        {"title": "Refugio: reconocimiento", "programme": "legal_migration", "horizon": "medium"},
    )
    page = (await as_ana.get(base)).text
    assert "<h3>Contacto con la familia</h3>" in page and "Hablar con mi mamá cada semana" in page
    assert "<h3>Trámite legal y migratorio</h3>" in page and "Refugio: reconocimiento" in page
    assert page.count('class="progress-row"') == 5  # the three programmes and both routes
