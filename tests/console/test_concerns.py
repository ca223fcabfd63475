"""Complaints and requests to change operator reach coordination only: never the
operator they are about, by any page, fragment, export or notice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from plan_store.enums import Channel, ConcernKind, Role
from plan_store.models import Concern, Home, OutboxMessage
from plan_store.services import concerns
from plan_store.services.outbox import payload_of
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import fill, routes_with_method
from tests.console.world import World

COMPLAINT = "Ana me grita en la cena delante de todos"
CHANGE = "Quiero otra operadora, con Ana no puedo hablar"


async def _concerns_about_ana(container: Container, world: World) -> tuple[int, int]:
    async with container.uow() as uow:
        complaint = await concerns.create(
            uow,
            world.ana_case.id,
            ConcernKind.COMPLAINT,
            text=COMPLAINT,
            urgent=True,
            channel=Channel.TELEGRAM,
        )
        change = await concerns.create(
            uow,
            world.ana_case.id,
            ConcernKind.OPERATOR_CHANGE,
            text=CHANGE,
            voice=b"OggS-a-voice-note",
            channel=Channel.TELEGRAM,
        )
        await uow.commit()
        return complaint.id, change.id


def _shows_a_concern(text: str) -> bool:
    return any(
        words in text
        for words in (COMPLAINT, CHANGE, "OggS-a-voice-note", "Quejas", "cambio de operador")
    )


async def test_operator_a_sees_no_complaint_or_change_request_about_her_anywhere(
    as_ana: Browser, world: World, container: Container, app: Any
) -> None:
    complaint_id, change_id = await _concerns_about_ana(container, world)
    seen = 0
    for concern_id in (complaint_id, change_id):
        for template in routes_with_method(app, "GET"):
            if "{lang}" in template or template.startswith("/static"):
                continue
            path = fill(template, world.ana_case).replace("/concerns/1", f"/concerns/{concern_id}")
            response = await as_ana.get(path)
            assert not _shows_a_concern(response.text), path
            if "/concerns" in template:
                assert response.status_code == 404, path
            seen += 1
    assert seen >= 40
    # Her own case page, its sheet and the live fragment, read on purpose.
    for path in (
        "/",
        f"/cases/{world.ana_case.id}",
        f"/cases/{world.ana_case.id}/evaluation",
        "/dashboard/urgent",
    ):
        page = await as_ana.get(path)
        assert page.status_code == 200 and not _shows_a_concern(page.text), path
    # The export is coordination's: refused to her, whatever it would hold.
    export = await as_ana.post(f"/cases/{world.ana_case.id}/export")
    assert export.status_code == 404 and not _shows_a_concern(export.text)
    # Not even a change on the concern is open to her.
    handled = await as_ana.post(f"/concerns/{complaint_id}/handle", {"note": "ya"})
    assert handled.status_code == 404
    # No notice went anywhere: nothing was queued to any chat.
    async with container.uow() as uow:
        for row in await uow.session.scalars(select(OutboxMessage)):
            assert not _shows_a_concern(str(payload_of(uow, row)))
        untouched = await uow.session.get(Concern, complaint_id)
        assert untouched is not None and untouched.handled_at is None
    refused = await audit_count(container, "console.refused", staff_id=world.ana.id)
    assert refused >= 8  # each reach for a concern's page is audited


async def test_the_homes_coordinator_reads_them_audited_and_the_person_it_is_about_cannot(
    browsers: Any, world: World, container: Container
) -> None:
    complaint_id, change_id = await _concerns_about_ana(container, world)
    marta: Browser = browsers()
    assert (await marta.login("marta")).status_code == 303
    listing = await marta.get("/concerns")
    assert listing.status_code == 200
    assert "Queja" in listing.text and "Pide cambiar de operador(a)" in listing.text
    assert COMPLAINT not in listing.text  # the words only on the concern's own page
    page = await marta.get(f"/concerns/{complaint_id}")
    assert page.status_code == 200 and COMPLAINT in page.text
    voice = await marta.get(f"/concerns/{change_id}/voice")
    assert voice.status_code == 200 and voice.content == b"OggS-a-voice-note"
    assert await audit_count(container, "concern.read", staff_id=world.coordinator.id) == 2
    dashboard = await marta.get("/")
    assert "Quejas y pedidos de cambio de operador(a)" in dashboard.text
    assert "1 urgente" in dashboard.text
    handled = await marta.post(f"/concerns/{complaint_id}/handle", {"note": "Hablé con las dos."})
    assert handled.status_code == 303
    # Her right of access: the export coordination hands her holds what she said.
    exported = (await marta.post(f"/cases/{world.ana_case.id}/export")).json()
    said = {c["kind"]: c for c in exported["her_voice"]["concerns"]}
    assert said["complaint"]["text"] == COMPLAINT
    assert said["complaint"]["note"] == "Hablé con las dos."
    assert said["operator_change"]["voice_note"]["base64"]

    rosa: Browser = browsers()  # the coordinator of another home
    assert (await rosa.login("rosa")).status_code == 303
    assert (await rosa.get(f"/concerns/{change_id}")).status_code == 404
    assert CHANGE not in (await rosa.get("/concerns")).text

    # A coordinator who was the reference operator when it was made cannot read it.
    async with container.uow() as uow:
        home = await uow.session.get(Home, world.home)
        lidia = await a_staff_member(uow, home, "lidia", Role.COORDINATOR)
        about_lidia = await concerns.create(
            uow, world.beto_case.id, ConcernKind.COMPLAINT, text="x"
        )
        about_lidia.about_staff_id = lidia.id
        about_lidia_id = about_lidia.id
        await uow.commit()
    as_lidia: Browser = browsers()
    assert (await as_lidia.login("lidia")).status_code == 303
    assert (await as_lidia.get(f"/concerns/{about_lidia_id}")).status_code == 404
    assert f"/concerns/{about_lidia_id}" not in (await as_lidia.get("/concerns")).text
