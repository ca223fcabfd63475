"""The translator's workspace: every message the chat shows, core set first, to
translate into one language and to review someone else's translation.

Each message shows its Spanish text, the translator comment of the code, where it
appears (as a chat bubble, or as a button under one), its placeholders and the
translation field (a script checks the placeholders while typing; the service
checks them again), and its state: untranslated, a draft (who, when) or reviewed
(who, when). Translators reach the languages an admin gave them; coordinators and
admins every language but Spanish (``plan_store.services.translations``).
"""

from __future__ import annotations

import re

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import language
from locales.core_set import SET_BY_KEY, SETS
from locales.placeholders import fields
from plan_store.services import translations
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form
from staff_console.guards import TRANSLATING, only
from staff_console.languages import translatable_code

MAX_MSGID = 8000


def _lines(value: str) -> str:
    """A form's text with the line breaks the code has (browsers send CRLF)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _msgid(form: Form) -> str:
    return _lines(form.text("msgid", max_length=MAX_MSGID))


def _set_key(page: Page) -> str:
    wanted = page.request.query_params.get("set", "")
    return wanted if wanted in SET_BY_KEY else SETS[0].key


@staff_endpoint()
@only(TRANSLATING)
async def workspace(page: Page) -> Response:
    code = await translatable_code(page)
    set_key = _set_key(page)
    async with page.uow() as uow:  # rendered inside: the translations are rows
        found = await translations.items(uow, code)
        shown = [item for item in found if item.message.set_key == set_key]
        return page.render(
            "translations.html",
            lang_info=language(code),
            sets=translations.progress(found),
            current=SET_BY_KEY[set_key],
            items=shown,
            placeholders={i.message.key: sorted(fields(i.message.msgid) or ()) for i in shown},
        )


@staff_endpoint()
@only(TRANSLATING)
async def save(page: Page) -> Response:
    code = await translatable_code(page)

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await translations.save(
            uow,
            page.actor,
            language=code,
            context=form.raw("context").strip(),
            msgid=_msgid(form),
            text=_lines(form.text("text", max_length=translations.MAX_TEXT)),
            plural_text=_lines(form.raw("plural_text")) or None,
            note=_lines(form.text("note", max_length=translations.MAX_NOTE, required=False)),
        )
        return ("translation.saved",)

    return await change_action(page, change, back=_back(page))


@staff_endpoint()
@only(TRANSLATING)
async def review(page: Page) -> Response:
    code = await translatable_code(page)

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await translations.review(
            uow,
            page.actor,
            language=code,
            context=form.raw("context").strip(),
            msgid=_msgid(form),
        )
        return ("translation.reviewed",)

    return await change_action(page, change, back=_back(page))


ANCHOR = re.compile(r"m-[0-9]{1,4}")


def _back(page: Page) -> str:
    """The workspace again, on the same set and at the same message."""
    code = page.request.path_params["lang"]
    at = page.request.query_params.get("at", "")
    anchor = f"#{at}" if ANCHOR.fullmatch(at) else ""
    return f"/languages/{code}/messages?set={_set_key(page)}{anchor}"


routes: list[BaseRoute] = [
    Route("/languages/{lang}/messages", workspace, methods=["GET"]),
    Route("/languages/{lang}/messages/save", save, methods=["POST"]),
    Route("/languages/{lang}/messages/review", review, methods=["POST"]),
]
