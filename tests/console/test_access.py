"""Operators see their caseload, coordinators their home, admins everything. A case
out of scope answers 404 wherever its id comes from, changes nothing, and the
attempt is audited."""

from __future__ import annotations

from typing import Any

from rumbo.container import Container
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import fill, plausible_form, routes_with_method, snapshot
from tests.console.world import World


async def test_an_operator_asking_for_another_operators_case_in_the_url_gets_404(
    as_ana: Browser, world: World, container: Container
) -> None:
    before = await snapshot(container)
    for path in ("", "/messages", "/evaluation"):
        response = await as_ana.get(f"/cases/{world.beto_case.id}{path}")
        assert response.status_code == 404
        assert world.beto_case.alias not in response.text
    assert await snapshot(container) == before
    assert (
        await audit_count(
            container,
            "case.out_of_scope",
            staff_id=world.ana.id,
            adolescent_id=world.beto_case.id,
        )
        == 3
    )
    assert await audit_count(container, "case.read", adolescent_id=world.beto_case.id) == 0


async def test_every_case_change_route_refuses_another_operators_case(
    as_ana: Browser, world: World, container: Container, app: Any
) -> None:
    paths = [p for p in routes_with_method(app, "POST") if "{case_id" in p]
    assert len(paths) >= 18, paths
    before = await snapshot(container)
    for template in paths:
        path = fill(template, world.beto_case)
        response = await as_ana.post(path, plausible_form(path))
        assert response.status_code == 404, (template, response.status_code)
        assert world.beto_case.alias not in response.text
    assert await snapshot(container) == before
    refused = await audit_count(
        container, "case.out_of_scope", staff_id=world.ana.id, adolescent_id=world.beto_case.id
    )
    assert refused >= len(paths)


async def test_a_case_number_of_another_caseload_reads_as_a_mistyped_one(
    as_ana: Browser, world: World, container: Container
) -> None:
    response = await as_ana.post("/cases/open", {"case_number": world.beto_case.case_number})
    assert (response.status_code, response.headers["location"]) == (303, "/cases")
    page = (await as_ana.get("/cases")).text
    assert "No hay un caso con ese número entre los tuyos." in page
    assert world.beto_case.alias not in page
    assert (
        await audit_count(
            container, "case.out_of_scope", staff_id=world.ana.id, adolescent_id=world.beto_case.id
        )
        == 1
    )

    own = await as_ana.post("/cases/open", {"case_number": world.ana_case.case_number.lower()})
    assert own.status_code == 303
    assert own.headers["location"] == f"/cases/{world.ana_case.id}"

    unknown = await as_ana.post("/cases/open", {"case_number": "MX-1999-9999"})
    assert (unknown.status_code, unknown.headers["location"]) == (303, "/cases")
    assert "No hay un caso con ese número" in (await as_ana.get("/cases")).text


async def test_another_cases_objects_under_ones_own_case_get_404_and_are_audited(
    as_ana: Browser, world: World, container: Container
) -> None:
    before = await snapshot(container)
    own, other = world.ana_case, world.beto_case
    attempts = [
        (f"/cases/{own.id}/steps/{other.step_done}/confirm", {}),
        (f"/cases/{own.id}/goals/{other.goal}", plausible_form("goal")),
        (f"/cases/{own.id}/goals/{other.goal}/steps", plausible_form("step")),
        (f"/cases/{own.id}/appointments/{other.appointment}/cancel", {}),
        (f"/cases/{own.id}/flags/{other.flag}/resolve", {"note": "cerrada"}),
        (f"/cases/{own.id}/messages/{other.message}/evaluation", {"marked": "1"}),
        (f"/cases/{own.id}/requests/{other.request}/handle", {"status": "answered"}),
    ]
    for path, form in attempts:
        response = await as_ana.post(path, form)
        assert response.status_code == 404, path
    assert await snapshot(container) == before
    assert await audit_count(
        container, "case.out_of_scope", staff_id=world.ana.id, adolescent_id=other.id
    ) == len(attempts)


async def test_a_reply_to_another_operators_case_is_refused_and_nothing_is_sent(
    as_ana: Browser, world: World, container: Container
) -> None:
    before = await snapshot(container)
    response = await as_ana.post(
        f"/cases/{world.beto_case.id}/reply", {"body": "Hola, soy Ana. ¿Me cuentas?"}
    )
    assert response.status_code == 404
    after = await snapshot(container)
    assert after == before
    assert after["outbox"] == before["outbox"]
    assert (
        await audit_count(
            container, "case.out_of_scope", staff_id=world.ana.id, adolescent_id=world.beto_case.id
        )
        == 1
    )


async def test_coordinators_see_their_home_and_admins_everything(
    browsers: Any, world: World, container: Container
) -> None:
    coordinator, other_coordinator, admin = browsers(), browsers(), browsers()
    await coordinator.login("marta")
    await other_coordinator.login("rosa")
    await admin.login("admin")
    for case in (world.ana_case, world.beto_case):
        assert (await coordinator.get(f"/cases/{case.id}")).status_code == 200
        assert (await admin.get(f"/cases/{case.id}")).status_code == 200
        assert (await other_coordinator.get(f"/cases/{case.id}")).status_code == 404
    assert (
        await audit_count(container, "case.out_of_scope", staff_id=world.other_coordinator.id) == 2
    )


async def test_lists_and_the_dashboard_show_only_what_is_in_scope(
    as_ana: Browser, browsers: Any, world: World
) -> None:
    for path in ("/", "/cases", "/flags", "/dashboard/urgent"):
        page = (await as_ana.get(path)).text
        assert world.ana_case.alias in page, path
        assert world.beto_case.alias not in page, path
    coordinator = browsers()
    await coordinator.login("marta")
    dashboard = (await coordinator.get("/")).text
    assert world.ana_case.alias in dashboard and world.beto_case.alias in dashboard
    rosa = browsers()
    await rosa.login("rosa")
    assert world.ana_case.alias not in (await rosa.get("/")).text


async def test_a_case_that_does_not_exist_is_the_same_404(as_ana: Browser) -> None:
    response = await as_ana.get("/cases/999999")
    assert response.status_code == 404
    assert (await as_ana.post("/cases/999999/reply", {"body": "hola"})).status_code == 404
