"""Pages for some roles only. Anyone else gets the same 404 as a page that does not
exist (nothing says an admin area is there), and the attempt is audited."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from plan_store.enums import Role
from plan_store.errors import NotFound
from plan_store.services import audit
from staff_console.context import Page, View

ADMINS = frozenset({Role.ADMIN})
COORDINATORS_AND_ADMINS = frozenset({Role.COORDINATOR, Role.ADMIN})
TRANSLATING = frozenset({Role.COORDINATOR, Role.ADMIN, Role.TRANSLATOR})
"""Who reaches the languages pages; a translator only their own languages."""


def only(roles: frozenset[Role]) -> Callable[[View], View]:
    """Wrap a view (under ``staff_endpoint``) so that only ``roles`` reach it."""

    def decorate(view: View) -> View:
        async def guarded(page: Page) -> Response:
            if page.me.role not in roles:
                async with page.uow() as uow:
                    audit.record(
                        uow,
                        "console.refused",
                        staff_id=page.me.id,
                        details={"method": page.request.method, "path": page.request.url.path},
                    )
                    await uow.commit()
                raise NotFound(f"{page.request.url.path} is not for {page.me.role}")
            return await view(page)

        guarded.__name__ = view.__name__
        guarded.__doc__ = view.__doc__
        return guarded

    return decorate
