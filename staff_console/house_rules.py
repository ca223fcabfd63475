"""The house rules each home writes for its adolescents, shown in their chat under
"Tus derechos y reglas": coordinators edit their home's, admins every home's."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.services import house_rules
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form
from staff_console.guards import COORDINATORS_AND_ADMINS, only


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def rules_page(page: Page) -> Response:
    async with page.uow() as uow:
        homes = await house_rules.editable_homes(uow, page.actor)
        # Rendered before the unit of work ends: its rollback would expire the rows.
        return page.render("rules.html", homes=homes, max_rules=house_rules.MAX_RULES)


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def save(page: Page) -> Response:
    home_id = page.int_param("home_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        text = form.text("rules", max_length=house_rules.MAX_RULES, required=False)
        await house_rules.set_rules(uow, page.actor, home_id, text)
        return ("rules.saved",)

    return await change_action(page, change, back=f"/rules#home-{home_id}")


routes: list[BaseRoute] = [
    Route("/rules", rules_page, methods=["GET"]),
    Route("/rules/{home_id:int}", save, methods=["POST"]),
]
