"""The conversation with the adolescent: reply, mark a message for the evaluation,
and handle a request to talk with the reference operator."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.enums import RequestStatus
from plan_store.models import Message, OperatorRequest
from plan_store.services import messages, requests
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import case_action, evaluation_mark_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError
from staff_console.queries.ownership import require_owned

MAX_REPLY = 4000


@staff_endpoint()
async def reply(page: Page) -> Response:
    case_id = page.int_param("case_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await messages.reply(uow, page.actor, case_id, form.text("body", max_length=MAX_REPLY))
        return ("reply.sent",)

    return await case_action(page, case_id, action, anchor="messages")


@staff_endpoint()
async def mark_for_evaluation(page: Page) -> Response:
    return await evaluation_mark_action(
        page,
        Message,
        "message_id",
        messages.mark_for_evaluation,
        anchor="message",
        notices=("message.marked", "message.unmarked"),
    )


@staff_endpoint()
async def handle_request(page: Page) -> Response:
    case_id = page.int_param("case_id")
    request_id = page.int_param("request_id")

    async def action(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        # Whose request it is comes before what the form says: another case's is a 404.
        await require_owned(uow, page.actor, case_id, OperatorRequest, request_id)
        status = form.choice("status", RequestStatus)
        if status is RequestStatus.OPEN:
            raise FormError("form.choice")
        await requests.handle(uow, page.actor, case_id, request_id, status)
        return ("request.handled",)

    return await case_action(page, case_id, action, anchor="requests")


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/reply", reply, methods=["POST"]),
    Route(
        "/cases/{case_id:int}/messages/{message_id:int}/evaluation",
        mark_for_evaluation,
        methods=["POST"],
    ),
    Route(
        "/cases/{case_id:int}/requests/{request_id:int}/handle", handle_request, methods=["POST"]
    ),
]
