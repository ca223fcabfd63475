"""Editing the life plan: add and edit goals, add steps, confirm a step the
adolescent marked done."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import GoalStatus, Horizon, Programme
from plan_store.models import Adolescent, Goal, Step
from plan_store.services import plans
from plan_store.unit_of_work import UnitOfWork
from staff_console import notify
from staff_console.actions import case_action, object_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form

MAX_TITLE = 200
MAX_RESPONSIBLE = 80


@staff_endpoint()
async def add_goal(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await plans.add_goal(
            uow,
            page.actor,
            case_id,
            programme=form.choice("programme", Programme),
            horizon=form.choice("horizon", Horizon),
            title=form.text("title", max_length=MAX_TITLE),
            target_date=form.day("target_date", required=False),
        )
        return ("goal.added",)

    return await case_action(page, case_id, action, anchor="plan")


@staff_endpoint()
async def edit_goal(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, goal_id: int) -> tuple[str, ...]:
        await plans.update_goal(
            uow,
            page.actor,
            case_id,
            goal_id,
            title=form.text("title", max_length=MAX_TITLE),
            programme=form.choice("programme", Programme),
            horizon=form.choice("horizon", Horizon),
            status=form.choice("status", GoalStatus),
            target_date=form.day("target_date", required=False),
        )
        return ("goal.updated",)

    return await object_action(page, Goal, "goal_id", action, anchor="goal")


@staff_endpoint()
async def add_step(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, goal_id: int) -> tuple[str, ...]:
        await plans.add_step(
            uow,
            page.actor,
            case_id,
            goal_id,
            title=form.text("title", max_length=MAX_TITLE),
            responsible=form.text("responsible", max_length=MAX_RESPONSIBLE, required=False),
            responsible_staff_id=_person(form),
            due_on=form.day("due_on", required=False),
        )
        return ("step.added",)

    return await object_action(page, Goal, "goal_id", action, anchor="goal")


def _person(form: Form) -> int | None:
    """The person of the team chosen to answer for a step, if any ("" is none)."""
    return form.integer("responsible_staff_id") if form.raw("responsible_staff_id") else None


@staff_endpoint()
async def confirm_step(page: Page) -> Response:
    async def action(uow: UnitOfWork, form: Form, case_id: int, step_id: int) -> tuple[str, ...]:
        step = await plans.confirm_step(uow, page.actor, case_id, step_id)
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        told = await notify.step_confirmed(uow, case, step, page.me.display_name)
        return ("step.confirmed", "told" if told else "not_told")

    return await object_action(page, Step, "step_id", action, anchor="step")


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/goals", add_goal, methods=["POST"]),
    Route("/cases/{case_id:int}/goals/{goal_id:int}", edit_goal, methods=["POST"]),
    Route("/cases/{case_id:int}/goals/{goal_id:int}/steps", add_step, methods=["POST"]),
    Route("/cases/{case_id:int}/steps/{step_id:int}/confirm", confirm_step, methods=["POST"]),
]
