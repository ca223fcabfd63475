"""Requests to change operator and complaints: coordinators (their home) and admins
only, never the operator they may be about. Operators get the same 404 as a page that
does not exist; every read and refusal is audited (``plan_store.services.concerns``)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.models import Adolescent, Concern, Home
from plan_store.services import concerns
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form
from staff_console.guards import COORDINATORS_AND_ADMINS, only
from staff_console.queries.common import staff_names

MAX_NOTE = concerns.MAX_NOTE


@dataclass(frozen=True, slots=True)
class ConcernRow:
    concern: Concern
    case: Adolescent


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def listing(page: Page) -> Response:
    async with page.uow() as uow:
        rows = [ConcernRow(c, a) for c, a in await concerns.listing(uow, page.actor)]
        # Rendered before the unit of work ends: its rollback would expire the rows.
        return page.render("concerns.html", rows=rows)


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def one(page: Page) -> Response:
    concern_id = page.int_param("concern_id")
    async with page.uow() as uow:
        concern = await concerns.read(uow, page.actor, concern_id)
        case = await uow.session.get(Adolescent, concern.adolescent_id)
        home = await uow.session.get(Home, concern.home_id)
        assert case is not None and home is not None
        names = await staff_names(
            uow, [concern.about_staff_id, concern.handled_by_id, case.reference_operator_id]
        )
        text = concerns.text_of(uow, concern)
        await uow.commit()  # the audited read
    return page.render(
        "concern.html",
        concern=concern,
        case=case,
        text=text,
        names=names,
        tz=home.timezone,
    )


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def voice(page: Page) -> Response:
    concern_id = page.int_param("concern_id")
    async with page.uow() as uow:
        concern = await concerns.read(uow, page.actor, concern_id)
        audio = concerns.voice_of(uow, concern)
        await uow.commit()
    if audio is None:
        return Response(status_code=404)
    return Response(
        audio,
        media_type="audio/ogg",
        headers={"cache-control": "no-store", "content-disposition": "inline"},
    )


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def handle(page: Page) -> Response:
    concern_id = page.int_param("concern_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await concerns.handle(uow, page.actor, concern_id, form.text("note", max_length=MAX_NOTE))
        return ("concern.handled",)

    return await change_action(page, change, back=f"/concerns/{concern_id}")


routes: list[BaseRoute] = [
    Route("/concerns", listing, methods=["GET"]),
    Route("/concerns/{concern_id:int}", one, methods=["GET"]),
    Route("/concerns/{concern_id:int}/voice", voice, methods=["GET"]),
    Route("/concerns/{concern_id:int}/handle", handle, methods=["POST"]),
]
