"""The fortnightly evaluation: the board of evaluations due, the preparation sheet
that summarises the period, and recording the evaluation."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.services import evaluation_voice, evaluations
from plan_store.unit_of_work import UnitOfWork
from staff_console import family_legal, participation
from staff_console.actions import case_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form
from staff_console.queries.evaluations import evaluation_board, evaluation_sheet

BOARD_WITHIN_DAYS = 7
MAX_SUMMARY = 10_000
MAX_AGREEMENTS = 3_000


@staff_endpoint()
async def board(page: Page) -> Response:
    async with page.uow() as uow:
        rows = await evaluation_board(uow, page.actor, page.now(), within_days=BOARD_WITHIN_DAYS)
    return page.render("evaluations.html", rows=rows, within_days=BOARD_WITHIN_DAYS)


@staff_endpoint()
async def sheet(page: Page) -> Response:
    case_id = page.int_param("case_id")
    async with page.uow() as uow:
        view = await evaluation_sheet(uow, page.actor, case_id)
        voice = await participation.for_sheet(uow, view.case, view.period_start)
        papers = await family_legal.for_case(uow, page.actor, view.case)
        await uow.commit()  # the audited read
    return page.render(
        "evaluation_sheet.html", view=view, tz=view.home.timezone, voice=voice, papers=papers
    )


@staff_endpoint()
async def record(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        evaluation = await evaluations.record(
            uow,
            page.actor,
            case_id,
            summary=form.text("summary", max_length=MAX_SUMMARY),
            goals_reviewed=form.text("goals_reviewed", max_length=MAX_SUMMARY, required=False),
            held_on=form.day("held_on", required=False),
            next_on=form.day("next_on", required=False),
        )
        lines = form.text("agreements", max_length=MAX_AGREEMENTS, required=False)
        send = form.checked("send_agreements")
        shared = await evaluation_voice.set_agreements(
            uow, page.actor, case_id, evaluation.id, lines.splitlines(), share=send
        )
        if shared is not None and send:
            return ("evaluation.recorded", "agreements.sent")
        return ("evaluation.recorded",)

    # Back to the top of the page, where the confirmation is shown (not below it).
    return await case_action(page, case_id, action, anchor="main")


routes: list[BaseRoute] = [
    Route("/evaluations", board, methods=["GET"]),
    Route("/cases/{case_id:int}/evaluation", sheet, methods=["GET"]),
    Route("/cases/{case_id:int}/evaluation", record, methods=["POST"]),
]
