"""The shape of every change made from a case page: read the form, run the services
in one unit of work, commit, leave a notice, and go back where the form was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from plan_store.errors import NotFound, NotOwnedByCase, PlanStoreError
from plan_store.services.access import StaffActor, case_for_staff
from plan_store.unit_of_work import UnitOfWork
from staff_console.context import Page, safe_next
from staff_console.forms import Form, FormError, read_form
from staff_console.queries.ownership import require_owned

# An action runs its services and returns the codes of the notices to show.
Action = Callable[[UnitOfWork, Form], Awaitable[tuple[str, ...]]]


async def case_action(page: Page, case_id: int, action: Action, *, anchor: str) -> Response:
    """Run ``action`` for the case; a case or object out of reach is a 404 (raised)."""
    form = await read_form(page.request)
    back = form.raw("back")

    async def in_scope(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        # Scope first, before any value is looked at: out of scope is a 404, audited.
        await case_for_staff(uow, page.actor, case_id, purpose="reach")
        return await action(uow, form)

    target = safe_next(back) if back else f"/cases/{case_id}#{anchor}"
    return await _run(page, form, in_scope, back=target)


# An action on one object of a case (a goal, a step, a flag, ...), given the case's id
# and the object's: it runs its services and returns the codes of the notices to show.
ObjectAction = Callable[[UnitOfWork, Form, int, int], Awaitable[tuple[str, ...]]]


async def object_action(
    page: Page, model: type[Any], id_param: str, action: ObjectAction, *, anchor: str
) -> Response:
    """Run ``action`` on the ``model`` row that the URL's ``id_param`` names, once it is
    known to be the case's (else a 404, audited), and go back to ``{anchor}-{id}`` on
    the case page."""
    case_id = page.int_param("case_id")
    object_id = page.int_param(id_param)

    async def owned(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await require_owned(uow, page.actor, case_id, model, object_id)
        return await action(uow, form, case_id, object_id)

    return await case_action(page, case_id, owned, anchor=f"{anchor}-{object_id}")


# A service that marks (True) or unmarks (False) one object of a case for the next
# evaluation: ``(uow, actor, case_id, object_id, marked)``.
EvaluationMark = Callable[[UnitOfWork, StaffActor, int, int, bool], Awaitable[object]]


async def evaluation_mark_action(
    page: Page,
    model: type[Any],
    id_param: str,
    mark: EvaluationMark,
    *,
    anchor: str,
    notices: tuple[str, str],
) -> Response:
    """Mark the object for the next evaluation, or unmark it when the form's ``marked``
    is "0"; ``notices`` are the codes shown after marking and after unmarking."""

    async def action(uow: UnitOfWork, form: Form, case_id: int, object_id: int) -> tuple[str, ...]:
        marked = form.raw("marked") != "0"
        await mark(uow, page.actor, case_id, object_id, marked)
        return (notices[0] if marked else notices[1],)

    return await object_action(page, model, id_param, action, anchor=anchor)


# A change outside any case (accounts, homes, settings): the codes of its notices.
Change = Action


async def change_action(page: Page, change: Change, *, back: str) -> Response:
    """Read the form, run ``change`` in one unit of work, commit, leave its notices and
    go back to ``back``. A refusal by a service or the form is a notice; something
    that does not exist (or is out of reach) is a 404."""
    return await _run(page, await read_form(page.request), change, back=back)


async def _run(page: Page, form: Form, action: Action, *, back: str) -> Response:
    """Run ``action`` in one unit of work and commit; leave its notices (or the form's
    or a service's refusal) and go back to ``back``. Something that does not exist,
    is out of reach or is not the case's is a 404 (raised)."""
    try:
        async with page.uow() as uow:
            done = await action(uow, form)
            await uow.commit()
    except FormError as error:
        page.flash("error", error.code)
    except (NotFound, NotOwnedByCase):
        raise
    except PlanStoreError as error:
        page.flash("error", error.code)
    else:
        for code in done:
            page.flash("ok", code)
    return page.redirect(back)
