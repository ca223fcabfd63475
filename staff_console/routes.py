"""Every console route, area by area. A new area is a module with a ``routes`` list,
added here (and, if it has a page of its own, a ``NavItem`` in ``nav``)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from staff_console import (
    account,
    admin,
    alerts,
    appointments,
    audit_log,
    auth,
    case_admin,
    cases,
    codes,
    concerns,
    consent_texts,
    dashboard,
    duty,
    evaluations,
    flags,
    house_rules,
    languages,
    messages,
    participation,
    plan,
)
from staff_console.templating import STATIC_DIR

AREAS = (
    auth,
    dashboard,
    cases,
    case_admin,
    plan,
    participation,
    appointments,
    flags,
    alerts,
    duty,
    messages,
    codes,
    evaluations,
    account,
    concerns,
    house_rules,
    languages,
    admin,
    consent_texts,
    audit_log,
)


class VersionedStatic(StaticFiles):
    """Static files under content-hashed URLs (``?v=``): cacheable for a long time."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


def console_routes() -> list[BaseRoute]:
    static = VersionedStatic(directory=STATIC_DIR)
    routes: list[BaseRoute] = [Mount("/static", app=static, name="static")]
    for area in AREAS:
        routes.extend(area.routes)
    return routes
