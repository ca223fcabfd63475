"""The shape of every change made from a case page: read the form, run the services
in one unit of work, commit, leave a notice, and go back where the form was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import Response

from plan_store.errors import NotFound, NotOwnedByCase, PlanStoreError
from plan_store.services.access import case_for_staff
from plan_store.unit_of_work import UnitOfWork
from staff_console.context import Page, safe_next
from staff_console.forms import Form, FormError, read_form

# An action runs its services and returns the codes of the notices to show.
Action = Callable[[UnitOfWork, Form], Awaitable[tuple[str, ...]]]


async def case_action(page: Page, case_id: int, action: Action, *, anchor: str) -> Response:
    """Run ``action`` for the case; a case or object out of reach is a 404 (raised)."""
    form = await read_form(page.request)
    back = form.raw("back")
    target = safe_next(back) if back else f"/cases/{case_id}#{anchor}"
    try:
        async with page.uow() as uow:
            # Scope first, before any value is looked at: out of scope is a 404, audited.
            await case_for_staff(uow, page.actor, case_id, purpose="change")
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
    return page.redirect(target)


# A change outside any case (accounts, homes, settings): the codes of its notices.
Change = Callable[[UnitOfWork, Form], Awaitable[tuple[str, ...]]]


async def change_action(page: Page, change: Change, *, back: str) -> Response:
    """Read the form, run ``change`` in one unit of work, commit, leave its notices and
    go back to ``back``. A refusal by a service or the form is a notice; something
    that does not exist (or is out of reach) is a 404."""
    form = await read_form(page.request)
    try:
        async with page.uow() as uow:
            done = await change(uow, form)
            await uow.commit()
    except FormError as error:
        page.flash("error", error.code)
    except NotFound:
        raise
    except PlanStoreError as error:
        page.flash("error", error.code)
    else:
        for code in done:
            page.flash("ok", code)
    return page.redirect(back)
