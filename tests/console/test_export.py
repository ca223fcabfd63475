"""The right of access from the case page: one JSON file with everything kept about
the adolescent, for coordination of the home and admins, by a CSRF-protected POST,
audited, never cached, named by the case number only."""

from __future__ import annotations

import json
from typing import Any

from plan_store.enums import AppointmentAnswer, Channel
from plan_store.services import appointments
from rumbo.container import Container
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import snapshot
from tests.console.world import World


async def logged_in(browsers: Any, username: str) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login(username)).status_code == 303
    return browser


async def test_coordination_downloads_everything_kept_about_the_adolescent(
    browsers: Any, world: World, container: Container
) -> None:
    case = world.ana_case
    async with container.uow() as uow:
        await appointments.answer(
            uow,
            case.id,
            case.appointment,
            AppointmentAnswer.CANNOT_GO,
            reason="Ese día tengo examen",
            channel=Channel.TELEGRAM,
        )
        await uow.commit()
    marta = await logged_in(browsers, "marta")
    page = (await marta.get(f"/cases/{case.id}")).text
    assert f'action="/cases/{case.id}/export"' in page

    response = await marta.post(f"/cases/{case.id}/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == 'attachment; filename="MX-2026-0001.json"'
    assert response.headers["cache-control"] == "no-store"
    assert case.alias not in response.headers["content-disposition"]

    data = json.loads(response.content.decode("utf-8"))
    assert data["case"]["case_number"] == "MX-2026-0001"
    assert data["case"]["alias"] == "Colibrí"
    assert data["case"]["reference_operator"] == "Ana"
    assert "Me quiero ir de la casa" in [m["body"] for m in data["messages"]]
    reasons = [a["reason"] for v in data["appointments"] for a in v["answers"]]
    assert "Ese día tengo examen" in reasons
    assert [r["message"] for r in data["requests"]] == ["¿Hablamos hoy?"]
    assert [f["category"] for f in data["flags"]] == ["running_away"]
    assert data["plan"]["goals"][0]["title"] == "Terminar la secundaria abierta"
    assert data["consent"]["in_force"][0]["valid"] is True
    assert [link["channel"] for link in data["chat_links"]] == ["telegram"]
    assert data["messages"][0]["created_at"].endswith("Z")
    assert case.chat not in json.dumps(data["chat_links"])  # the chat's own id stays out
    assert (
        await audit_count(
            container, "case.export", staff_id=world.coordinator.id, adolescent_id=case.id
        )
        == 1
    )


async def test_an_admin_exports_any_case(browsers: Any, world: World, container: Container) -> None:
    admin = await logged_in(browsers, "admin")
    response = await admin.post(f"/cases/{world.beto_case.id}/export")
    assert response.status_code == 200
    assert json.loads(response.content)["case"]["alias"] == "Jaguar"
    assert await audit_count(container, "case.export", staff_id=world.admin.id) == 1


async def test_staff_out_of_scope_and_operators_get_404_and_nothing_leaves(
    as_ana: Browser, browsers: Any, world: World, container: Container
) -> None:
    rosa = await logged_in(browsers, "rosa")  # a coordinator of another home
    beto = await logged_in(browsers, "beto")  # an operator of this home, not hers
    before = await snapshot(container)
    for browser in (rosa, beto, as_ana):  # ana is her reference operator
        response = await browser.post(f"/cases/{world.ana_case.id}/export")
        assert response.status_code == 404
        assert "Me quiero ir de la casa" not in response.text
        assert "content-disposition" not in response.headers
    assert await snapshot(container) == before
    assert await audit_count(container, "case.export") == 0
    case_id = world.ana_case.id
    for staff_id in (world.other_coordinator.id, world.beto.id):
        assert (
            await audit_count(
                container, "case.out_of_scope", staff_id=staff_id, adolescent_id=case_id
            )
            == 1
        )
    assert (
        await audit_count(container, "case.refused", staff_id=world.ana.id, adolescent_id=case_id)
        == 1
    )


async def test_without_the_csrf_token_or_by_get_nothing_is_exported(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    path = f"/cases/{world.ana_case.id}/export"
    for data in ({}, {"csrf_token": "not-the-token"}):
        response = await marta.client.post(path, data=data)
        assert response.status_code == 403
        assert "Me quiero ir de la casa" not in response.text
    assert (await marta.get(path)).status_code == 405
    assert await audit_count(container, "case.export") == 0
