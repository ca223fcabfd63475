"""Languages (coordinators and admins): how far each catalog is translated and
reviewed, the recorded voice prompts, and the risk terms triage reads.

- Catalogs: ``locales.catalog_stats()`` (translated, reviewed by a native speaker,
  drafts). Translations are made in the catalogs, not here.
- Voice prompts: which message keys have a recording in each language, from the
  locale folder (read-only here) or uploaded by staff (OGG/Opus, at most 1 MB;
  ``plan_store.services.voice_prompts``), which wins over the file.
- Risk terms: the reviewed files in ``locales/triage/`` (read-only here) and the
  terms staff add (``plan_store.services.triage_terms``), read from the next message
  on. A chat is read with its language's terms and the Spanish ones, always.
"""

from __future__ import annotations

import asyncio
import re

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import LANGUAGES, CatalogStats, catalog_stats, is_supported, is_voice_key, language
from plan_store.enums import ConsentPurpose, RiskCategory, Severity
from plan_store.errors import NotFound, PlanStoreError
from plan_store.services import consent, triage_terms, voice_prompts
from plan_store.services.voice_prompts import MAX_BYTES
from plan_store.triage import ALWAYS, file_sections
from plan_store.unit_of_work import UnitOfWork
from staff_console import admin_queries, queries
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError, read_form
from staff_console.guards import COORDINATORS_AND_ADMINS, only

VOICE_UPLOAD = re.compile(r"/languages/[a-z]{2,8}/voice")
"""The one path whose form may carry a recording (a larger body: ``csrf``)."""
SCREEN_VOICE_KEYS = ("welcome", "language", "menu", "about")
"""Screens that name a voice prompt (``dialogs``), offered when uploading; the
consent screens' keys carry the current version and are added from it."""
MAX_TERM = triage_terms.MAX_TERM


def _code(page: Page) -> str:
    code = str(page.request.path_params["lang"])
    if not is_supported(code):
        raise NotFound(f"no language {code!r}")
    return code


async def _stats() -> dict[str, CatalogStats]:
    """The catalogs are read from disk: off the event loop."""
    return {s.code: s for s in await asyncio.to_thread(catalog_stats)}


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def overview(page: Page) -> Response:
    stats = await _stats()
    async with page.uow() as uow:
        voices = await admin_queries.voices_by_language(uow)
        terms = await admin_queries.active_term_counts(uow)
    return page.render(
        "languages.html",
        rows=[
            (lang, stats[lang.code], voices[lang.code], terms.get(lang.code, 0))
            for lang in LANGUAGES
        ],
    )


async def suggested_keys(uow: UnitOfWork, voices: admin_queries.LanguageVoices) -> list[str]:
    wanted = list(SCREEN_VOICE_KEYS)
    for purpose in ConsentPurpose:  # each consent question on its current text
        version = await consent.current_version(uow, purpose)
        consent_key = f"consent:{purpose.value}:{version}"
        wanted += [consent_key, f"{consent_key}:details"]
    return list(dict.fromkeys([*wanted, *voices.keys]))


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def language_page(page: Page) -> Response:
    code = _code(page)
    stats = (await _stats())[code]
    sections = await asyncio.to_thread(file_sections, code)
    async with page.uow() as uow:  # rendered inside: the terms are rows
        voices = (await admin_queries.voices_by_language(uow))[code]
        terms = await triage_terms.of_language(uow, code)
        names = await queries.staff_names(
            uow,
            [t.added_by_id for t in terms]
            + [t.deactivated_by_id for t in terms]
            + [p.uploaded_by_id for p in voices.uploads],
        )
        return page.render(
            "language.html",
            lang_info=language(code),
            stats=stats,
            voices=voices,
            uploads={p.key: p for p in voices.uploads},
            files={f.key: f for f in voices.files},
            keys=await suggested_keys(uow, voices),
            terms=terms,
            names=names,
            sections=sections,
            always=language(ALWAYS),
            categories=list(RiskCategory),
            severities=list(Severity),
            category_of={c.value: c for c in RiskCategory},
            severity_of={s.value: s for s in Severity},
            max_term=MAX_TERM,
            max_kb=MAX_BYTES // 1024,
        )


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def add_term(page: Page) -> Response:
    code = _code(page)

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await triage_terms.add(
            uow,
            page.actor,
            language=code,
            category=form.choice("category", RiskCategory),
            severity=form.choice("severity", Severity),
            term=form.text("term", max_length=MAX_TERM),
        )
        return ("term.added",)

    return await change_action(page, change, back=f"/languages/{code}#terms")


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def deactivate_term(page: Page) -> Response:
    code = _code(page)
    term_id = page.int_param("term_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        terms = await triage_terms.of_language(uow, code)
        if term_id not in {t.id for t in terms}:
            raise NotFound(f"no term {term_id} in {code}")
        await triage_terms.deactivate(uow, page.actor, term_id)
        return ("term.deactivated",)

    return await change_action(page, change, back=f"/languages/{code}#terms")


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def upload_voice(page: Page) -> Response:
    code = _code(page)
    form = await read_form(page.request)
    try:
        key = form.text("key", max_length=80)
        if not is_voice_key(key):
            raise FormError("form.voice_key")
        upload = form.data.get("audio")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise FormError("form.file")
        audio = await upload.read(MAX_BYTES + 1)
        async with page.uow() as uow:
            await voice_prompts.attach(uow, page.actor, key, code, audio)
            await uow.commit()
    except FormError as error:
        page.flash("error", error.code)
    except PlanStoreError as error:
        page.flash("error", error.code)
    else:
        page.flash("ok", "voice.attached")
    finally:
        await form.data.close()
    return page.redirect(f"/languages/{code}#voice")


@staff_endpoint()
@only(COORDINATORS_AND_ADMINS)
async def remove_voice(page: Page) -> Response:
    code = _code(page)

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        key = form.text("key", max_length=80)
        if not is_voice_key(key):
            raise NotFound("not a voice key")
        await voice_prompts.remove(uow, page.actor, key, code)
        return ("voice.removed",)

    return await change_action(page, change, back=f"/languages/{code}#voice")


routes: list[BaseRoute] = [
    Route("/languages", overview, methods=["GET"]),
    Route("/languages/{lang}", language_page, methods=["GET"]),
    Route("/languages/{lang}/terms", add_term, methods=["POST"]),
    Route("/languages/{lang}/terms/{term_id:int}/deactivate", deactivate_term, methods=["POST"]),
    Route("/languages/{lang}/voice", upload_voice, methods=["POST"]),
    Route("/languages/{lang}/voice/remove", remove_voice, methods=["POST"]),
]
