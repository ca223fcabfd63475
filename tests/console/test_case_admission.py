"""Coordination admits adolescents, refers cases to another operator and moves them to
another care setting, from the console; operators do none of it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from plan_store.enums import CareSetting, CaseStatus, Phase, Role
from plan_store.models import Adolescent, Home, OutboxMessage
from plan_store.services.access import StaffActor
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.console.conftest import Browser, audit_count
from tests.console.world import World

QUETZAL = {
    "case_number": "mx-2026-0101",
    "alias": "Quetzal",
    "birth_date": "2011-07-09",
    "language": "mam",
    "care_setting": "foster_family",
    "phase": "first_reception",
}


def notices(html: str) -> list[str]:
    return re.findall(r'<p class="notice (?:done|problem)">([^<]*)</p>', html)


async def logged_in(browsers: Any, username: str) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login(username)).status_code == 303
    return browser


async def case_count(container: Container) -> int:
    async with container.uow() as uow:
        return int(await uow.session.scalar(select(func.count(Adolescent.id))) or 0)


async def a_nido_operator(container: Container, world: World) -> StaffActor:
    """An operator in the other home (Casa Nido), which the world leaves without one."""
    async with container.uow() as uow:
        nido = await uow.session.get(Home, world.other_home)
        operator = await a_staff_member(uow, nido, "nico", Role.OPERATOR, display_name="Nico")
        await uow.commit()
    return operator


# --- Admission -----------------------------------------------------------------------


async def test_a_coordinator_admits_an_adolescent_and_lands_on_the_new_case(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    assert 'href="/cases/new"' in (await marta.get("/cases")).text
    form = await marta.get("/cases/new")
    assert form.status_code == 200
    assert "Beto" in form.text and "Ana" in form.text
    assert 'name="home_id"' not in form.text  # a coordinator admits to her own home

    response = await marta.post(
        "/cases/new", QUETZAL | {"reference_operator_id": str(world.beto.id)}
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/cases/\d+#top", location)
    assert "Quetzal" not in location and "0101" not in location  # no personal data in URLs
    case_id = int(location.split("/")[2].split("#")[0])

    page = await marta.get(f"/cases/{case_id}")
    assert "Caso abierto. Ahora dale su código para vincular el chat." in notices(page.text)
    assert "Quetzal" in page.text and "MX-2026-0101" in page.text
    assert f'action="/cases/{case_id}/code"' in page.text  # the linking code is one click away
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        assert (case.home_id, case.reference_operator_id, case.language) == (
            world.home,
            world.beto.id,
            "mam",
        )
        assert (case.care_setting, case.phase, case.status) == (
            CareSetting.FOSTER_FAMILY,
            Phase.FIRST_RECEPTION,
            CaseStatus.IN_CARE,
        )
    assert await audit_count(container, "case.create", staff_id=world.coordinator.id) == 1

    beto = await logged_in(browsers, "beto")
    assert "Quetzal" in (await beto.get("/cases")).text  # in his caseload at once


async def test_the_admission_form_speaks_the_consoles_languages(
    browsers: Any, world: World
) -> None:
    admin = await logged_in(browsers, "admin")
    await admin.get("/cases/new?lang=en")
    english = (await admin.get("/cases/new")).text
    assert "<h1>Admit an adolescent</h1>" in english
    assert "Name they choose (no surnames)" in english
    page = (await admin.get(f"/cases/{world.ana_case.id}")).text
    assert "Download their data" in page and "Change operator" in page


async def test_an_admin_chooses_the_home_and_its_operator(
    browsers: Any, world: World, container: Container
) -> None:
    nico = await a_nido_operator(container, world)
    admin = await logged_in(browsers, "admin")
    form = (await admin.get("/cases/new")).text
    assert 'name="home_id"' in form and "Casa Nido" in form and "Nico" in form
    response = await admin.post(
        "/cases/new",
        QUETZAL
        | {
            "home_id": str(world.other_home),
            "care_setting": "group_home",
            "reference_operator_id": str(nico.id),
        },
    )
    assert response.status_code == 303
    async with container.uow() as uow:
        case = await uow.session.scalar(
            select(Adolescent).where(Adolescent.case_number == "MX-2026-0101")
        )
        assert case is not None and case.home_id == world.other_home


async def test_a_taken_case_number_is_refused_and_the_form_keeps_what_was_typed(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    before = await case_count(container)
    response = await marta.post(
        "/cases/new",
        QUETZAL
        | {
            "case_number": world.beto_case.case_number.lower(),
            "reference_operator_id": str(world.beto.id),
        },
    )
    assert response.status_code == 400
    assert notices(response.text) == [
        "Ese número de caso ya existe. Revisa el número o abre ese caso."
    ]
    assert 'value="Quetzal"' in response.text  # nothing to type again
    assert await case_count(container) == before


async def test_an_operator_of_another_home_is_refused(
    browsers: Any, world: World, container: Container
) -> None:
    nico = await a_nido_operator(container, world)
    marta = await logged_in(browsers, "marta")
    before = await case_count(container)
    for operator_id in (str(nico.id), str(world.coordinator.id), ""):
        response = await marta.post("/cases/new", QUETZAL | {"reference_operator_id": operator_id})
        assert response.status_code == 400, operator_id
        assert notices(response.text) == [
            "Elige un(a) operador(a) de referencia activo(a) de esa casa."
        ]
    assert await case_count(container) == before


async def test_other_bad_values_are_explained(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    before = await case_count(container)
    good = QUETZAL | {"reference_operator_id": str(world.beto.id)}
    for change, expected in (
        ({"case_number": "MX 2026"}, "El número de caso lleva solo letras"),
        ({"birth_date": "2020-01-01"}, "Rumbo es para adolescentes de 10 a 21 años"),
        ({"birth_date": "ayer"}, "Una fecha no es válida."),
        ({"alias": ""}, "Falta un dato obligatorio."),
        ({"phase": "after_care"}, "Una opción no es válida."),
        ({"language": "fr"}, "Una opción no es válida."),
    ):
        response = await marta.post("/cases/new", good | change)
        assert response.status_code == 400, change
        [notice] = notices(response.text)
        assert notice.startswith(expected), (change, notice)
    assert await case_count(container) == before


async def test_a_coordinator_cannot_admit_to_another_home(
    browsers: Any, world: World, container: Container
) -> None:
    nico = await a_nido_operator(container, world)
    marta = await logged_in(browsers, "marta")
    before = await case_count(container)
    response = await marta.post(
        "/cases/new",
        QUETZAL | {"home_id": str(world.other_home), "reference_operator_id": str(nico.id)},
    )
    assert response.status_code == 404
    assert await case_count(container) == before
    assert await audit_count(container, "case.refused", staff_id=world.coordinator.id) == 1


async def test_operators_cannot_admit(as_ana: Browser, world: World, container: Container) -> None:
    assert 'href="/cases/new"' not in (await as_ana.get("/cases")).text
    before = await case_count(container)
    assert (await as_ana.get("/cases/new")).status_code == 404
    response = await as_ana.post(
        "/cases/new", QUETZAL | {"reference_operator_id": str(world.ana.id)}
    )
    assert response.status_code == 404
    assert await case_count(container) == before
    assert await audit_count(container, "console.refused", staff_id=world.ana.id) == 2


# --- Reference operator and care setting ----------------------------------------------


async def test_referring_a_case_to_another_operator_moves_it_between_caseloads(
    as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    case = world.ana_case
    beto = await logged_in(browsers, "beto")
    assert (await beto.get(f"/cases/{case.id}")).status_code == 404
    marta = await logged_in(browsers, "marta")
    page = (await marta.get(f"/cases/{case.id}")).text
    assert f'action="/cases/{case.id}/operator"' in page

    await marta.post(f"/cases/{case.id}/operator", {"reference_operator_id": str(world.beto.id)})
    assert "Escribe la nota de entrega" in " ".join(notices((await marta.get("/cases")).text))
    assert (await beto.get(f"/cases/{case.id}")).status_code == 404  # nothing changed

    response = await marta.post(
        f"/cases/{case.id}/operator",
        {
            "reference_operator_id": str(world.beto.id),
            "handover_note": "Le cuesta dormir. El martes tiene examen de Historia.",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case.id}#top"
    after = notices((await marta.get(f"/cases/{case.id}")).text)
    assert "Operador(a) de referencia cambiado(a). El caso pasó a su lista." in after
    assert "Se le avisó por su chat." in after
    async with container.uow() as uow:
        told = [
            uow.cipher.decrypt(row.payload_ciphertext)
            for row in await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.adolescent_id == case.id)
            )
        ]
    assert any("Desde hoy te acompaña Beto" in payload for payload in told)

    # The new operator reads the handover note first, until she says she read it.
    first = (await beto.get(f"/cases/{case.id}")).text
    assert first.index("Nota de entrega para ti") < first.index('id="top"')
    assert "El martes tiene examen de Historia." in first
    handover = re.search(r'action="(/cases/\d+/handovers/\d+/read)"', first)
    assert handover is not None
    await beto.post(handover.group(1), {})
    assert "Nota de entrega para ti" not in (await beto.get(f"/cases/{case.id}")).text

    assert (await as_ana.get(f"/cases/{case.id}")).status_code == 404
    assert case.alias not in (await as_ana.get("/cases")).text
    assert (await beto.get(f"/cases/{case.id}")).status_code == 200
    assert case.alias in (await beto.get("/cases")).text
    assert (
        await audit_count(container, "case.reference_operator", staff_id=world.coordinator.id) == 1
    )


async def test_operators_neither_see_nor_use_the_coordination_forms(
    as_ana: Browser, world: World, container: Container
) -> None:
    case = world.ana_case
    page = (await as_ana.get(f"/cases/{case.id}")).text
    for action in ("operator", "care-setting", "export"):
        assert f'action="/cases/{case.id}/{action}"' not in page
    for path, form in (
        ("operator", {"reference_operator_id": str(world.beto.id)}),
        ("care-setting", {"care_setting": "foster_family"}),
    ):
        response = await as_ana.post(f"/cases/{case.id}/{path}", form)
        assert response.status_code == 404
    async with container.uow() as uow:
        stored = await uow.session.get(Adolescent, case.id)
        assert stored is not None
        assert stored.reference_operator_id == world.ana.id
        assert stored.care_setting is CareSetting.RESIDENTIAL_CENTRE
    assert await audit_count(container, "case.refused", staff_id=world.ana.id) == 2


async def test_a_case_is_referred_only_to_an_active_operator_of_its_home(
    browsers: Any, world: World, container: Container
) -> None:
    nico = await a_nido_operator(container, world)
    marta = await logged_in(browsers, "marta")
    case = world.ana_case
    for operator_id in (nico.id, world.coordinator.id):
        await marta.post(f"/cases/{case.id}/operator", {"reference_operator_id": str(operator_id)})
        page = await marta.get(f"/cases/{case.id}")
        assert notices(page.text) == ["Revisa los datos: algo no es válido."]
    async with container.uow() as uow:
        stored = await uow.session.get(Adolescent, case.id)
        assert stored is not None and stored.reference_operator_id == world.ana.id


async def test_the_care_setting_changes_and_a_closed_case_stays_as_it_was(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    case = world.ana_case
    await marta.post(f"/cases/{case.id}/care-setting", {"care_setting": "foster_family"})
    page = (await marta.get(f"/cases/{case.id}")).text
    assert "Entorno de cuidado actualizado." in notices(page)
    assert "Familia de acogida" in page
    await marta.post(f"/cases/{case.id}/close", {"confirm": "1"})
    await marta.get(f"/cases/{case.id}")  # the closing notice, read
    refused = await marta.post(
        f"/cases/{case.id}/operator", {"reference_operator_id": str(world.beto.id)}
    )
    assert refused.status_code == 303
    page = (await marta.get(f"/cases/{case.id}")).text
    assert notices(page) == ["El caso está cerrado: ya no se puede cambiar."]
    assert f'action="/cases/{case.id}/operator"' not in page
    assert f'action="/cases/{case.id}/export"' in page  # the right of access outlives care
    async with container.uow() as uow:
        stored = await uow.session.get(Adolescent, case.id)
        assert stored is not None
        assert stored.care_setting is CareSetting.FOSTER_FAMILY
        assert stored.reference_operator_id == world.ana.id
