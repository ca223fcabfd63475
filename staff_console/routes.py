"""Every console route, area by area. A new area is a module with a ``routes`` list,
added here (and, if it has a page of its own, a ``NavItem`` in ``nav``)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
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
    family_legal,
    flags,
    house_rules,
    languages,
    messages,
    participation,
    plan,
    reports,
    team,
    translations,
)
from staff_console.errors import unknown_page
from staff_console.templating import STATIC_DIR

AREAS = (
    auth,
    dashboard,
    cases,
    case_admin,
    plan,
    family_legal,
    participation,
    team,
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
    translations,
    admin,
    consent_texts,
    audit_log,
    reports,
)


class VersionedStatic(StaticFiles):
    """Static files under content-hashed URLs (``?v=``): cacheable for a long time."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


AREA_PREFIXES = ("cases", "flags", "evaluations", "reports", "admin", "languages", "account")
"""Paths under these are the console's: one that names nothing gets the console's own
"not found" page (in its language, with its navigation), not a bare one."""


def console_routes() -> list[BaseRoute]:
    static = VersionedStatic(directory=STATIC_DIR)
    routes: list[BaseRoute] = [Mount("/static", app=static, name="static")]
    for area in AREAS:
        routes.extend(area.routes)
    routes += [
        Route(f"/{prefix}/{{rest:path}}", unknown_page, methods=["GET", "POST"])
        for prefix in AREA_PREFIXES
    ]
    return routes
