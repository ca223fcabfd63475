"""Reviewing flags: the list of open ones, and acknowledge, resolve with a note, or
mark for the next evaluation."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.models import Flag
from plan_store.services import flags
from plan_store.unit_of_work import UnitOfWork
from staff_console import queries
from staff_console.actions import case_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form

MAX_NOTE = 2000


@staff_endpoint()
async def flag_list(page: Page) -> Response:
    async with page.uow() as uow:
        found = await queries.active_flags(uow, page.actor)
    return page.render("flags.html", flags=found)


@staff_endpoint()
async def acknowledge(page: Page) -> Response:
    case_id = page.int_param("case_id")
    flag_id = page.int_param("flag_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await queries.require_owned(uow, page.actor, case_id, Flag, flag_id)
        await flags.acknowledge(uow, page.actor, case_id, flag_id)
        return ("flag.acknowledged",)

    return await case_action(page, case_id, action, anchor=f"flag-{flag_id}")


@staff_endpoint()
async def resolve(page: Page) -> Response:
    case_id = page.int_param("case_id")
    flag_id = page.int_param("flag_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await queries.require_owned(uow, page.actor, case_id, Flag, flag_id)
        await flags.resolve(
            uow, page.actor, case_id, flag_id, form.text("note", max_length=MAX_NOTE)
        )
        return ("flag.resolved",)

    return await case_action(page, case_id, action, anchor=f"flag-{flag_id}")


@staff_endpoint()
async def mark_for_evaluation(page: Page) -> Response:
    case_id = page.int_param("case_id")
    flag_id = page.int_param("flag_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        marked = form.raw("marked") != "0"
        await queries.require_owned(uow, page.actor, case_id, Flag, flag_id)
        await flags.mark_for_evaluation(uow, page.actor, case_id, flag_id, marked)
        return ("flag.marked" if marked else "flag.unmarked",)

    return await case_action(page, case_id, action, anchor=f"flag-{flag_id}")


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
