"""The admin area, part two: the consent texts, per purpose, version and language.

Publishing a translation of the current version changes nobody's consent. A new
version asks every adolescent again (``plan_store.services.consent.publish_text``):
until they accept it, their chat offers only the language, what Rumbo is, and
talking to a person. The page says how many have accepted the current version.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import LANGUAGES, is_supported
from plan_store.enums import ConsentPurpose
from plan_store.services import consent
from plan_store.unit_of_work import UnitOfWork
from staff_console import admin_queries
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError
from staff_console.guards import ADMINS, only

MAX_SUMMARY = 2000
MAX_DETAILS = 10_000


@staff_endpoint()
@only(ADMINS)
async def overview(page: Page) -> Response:
    async with page.uow() as uow:  # rendered inside: the texts are rows
        return page.render(
            "admin_consent.html",
            purposes=await admin_queries.consent_overview(uow),
            languages=LANGUAGES,
            max_summary=MAX_SUMMARY,
            max_details=MAX_DETAILS,
        )


@staff_endpoint()
@only(ADMINS)
async def publish(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        purpose = form.choice("purpose", ConsentPurpose)
        language = form.raw("language")
        if not is_supported(language):
            raise FormError("form.choice")
        kind = form.raw("kind")
        if kind not in ("translation", "new"):
            raise FormError("form.choice")
        asks_again = kind == "new"
        if asks_again and not form.checked("confirm"):
            raise FormError("form.confirm")
        current = await consent.current_version(uow, purpose)
        await consent.publish_text(
            uow,
            purpose=purpose,
            version=current + 1 if asks_again else current,
            language=language,
            summary=form.text("summary", max_length=MAX_SUMMARY),
            details=form.text("details", max_length=MAX_DETAILS, required=False),
            staff_id=page.me.id,
        )
        return ("consent.asks_again" if asks_again else "consent.published",)

    return await change_action(page, change, back="/admin/consent")


routes: list[BaseRoute] = [
    Route("/admin/consent", overview, methods=["GET"]),
    Route("/admin/consent", publish, methods=["POST"]),
]
