"""Reviewing flags: the list of open ones, and acknowledge, resolve with a note, or
mark for the next evaluation."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.models import Flag
from plan_store.services import flags, staff_languages
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import evaluation_mark_action, object_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form
from staff_console.queries.flags import active_flags

MAX_NOTE = 2000


@staff_endpoint()
async def flag_list(page: Page) -> Response:
    async with page.uow() as uow:
        found = await active_flags(uow, page.actor)
        case_speakers = await staff_languages.case_speakers(uow, {r.case.id for r in found.rows})
    return page.render("flags.html", flags=found, case_speakers=case_speakers)


@staff_endpoint()
async def acknowledge(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, flag_id: int) -> tuple[str, ...]:
        await flags.acknowledge(uow, page.actor, case_id, flag_id)
        return ("flag.acknowledged",)

    return await object_action(page, Flag, "flag_id", action, anchor="flag")


@staff_endpoint()
async def resolve(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, flag_id: int) -> tuple[str, ...]:
        await flags.resolve(
            uow, page.actor, case_id, flag_id, form.text("note", max_length=MAX_NOTE)
        )
        return ("flag.resolved",)

    return await object_action(page, Flag, "flag_id", action, anchor="flag")


@staff_endpoint()
async def mark_for_evaluation(page: Page) -> Response:
    return await evaluation_mark_action(
        page,
        Flag,
        "flag_id",
        flags.mark_for_evaluation,
        anchor="flag",
        notices=("flag.marked", "flag.unmarked"),
    )


routes: list[BaseRoute] = [
    Route("/flags", flag_list, methods=["GET"]),
    Route("/cases/{case_id:int}/flags/{flag_id:int}/acknowledge", acknowledge, methods=["POST"]),
    Route("/cases/{case_id:int}/flags/{flag_id:int}/resolve", resolve, methods=["POST"]),
    Route(
        "/cases/{case_id:int}/flags/{flag_id:int}/evaluation",
        mark_for_evaluation,
        methods=["POST"],
    ),
]
