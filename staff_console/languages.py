"""Languages (coordinators, admins, and translators in their own languages): how
far each language is translated and reviewed, the recorded voice prompts, and the
risk terms triage reads. The messages themselves are translated in the workspace
(``staff_console.translations``).

- Progress: the catalogs (``locales.catalog_stats()``) and, per set of the chat's
  messages, what is translated and reviewed with the console's translations
  (``plan_store.services.translations``); whether the core set is ready.
- Voice prompts: which message keys have a recording in each language, from the
  locale folder (read-only here) or recorded in the browser or uploaded by staff
  (any audio PyAV reads, stored as OGG/Opus of at most 1 MB;
  ``plan_store.services.voice_prompts``), which wins over the file.
- Risk terms: the reviewed files in ``locales/triage/`` (read-only here) and the
  terms staff add (``plan_store.services.triage_terms``), read from the next message
  on, and reviewed by a second speaker. A chat is read with its language's terms
  and the Spanish ones, always.
- How a language that is not ready appears in the chat's menu (admins).
"""

from __future__ import annotations

import asyncio
import re

from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from locales import (
    LANGUAGES,
    CatalogStats,
    catalog_stats,
    is_supported,
    is_voice_key,
    language,
    ogg_opus_problem,
)
from locales.recording import MAX_INPUT_BYTES, NotAudio, to_ogg_opus
from plan_store.enums import ConsentPurpose, RiskCategory, Role, Severity
from plan_store.errors import NotFound, PlanStoreError
from plan_store.services import consent, translations, triage_terms, voice_prompts
from plan_store.services.translations import UnreviewedMode
from plan_store.services.voice_prompts import MAX_BYTES
from plan_store.triage import ALWAYS, file_sections
from plan_store.unit_of_work import UnitOfWork
from staff_console import admin_queries
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError, read_form
from staff_console.guards import ADMINS, COORDINATORS_AND_ADMINS, TRANSLATING, only
from staff_console.queries.common import staff_names
from staff_console.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

VOICE_UPLOAD = re.compile(r"/languages/[a-z]{2,8}/voice")
"""The one path whose form may carry a recording (a larger body: ``csrf``)."""
SCREEN_VOICE_KEYS = ("welcome", "language", "menu", "about", "safety", "partial")
"""Screens that name a voice prompt (``dialogs``), offered when uploading; the
consent screens' keys carry the current version and are added from it."""
MAX_TERM = triage_terms.MAX_TERM


def _code(page: Page) -> str:
    code = str(page.request.path_params["lang"])
    if not is_supported(code):
        raise NotFound(f"no language {code!r}")
    return code


async def translatable_code(page: Page) -> str:
    """The page's language, if the staff member may work on it (else a 404)."""
    code = _code(page)
    async with page.uow() as uow:
        allowed = await translations.translatable_languages(uow, page.actor)
    if code not in allowed and not (code == ALWAYS and page.me.role is not Role.TRANSLATOR):
        raise NotFound(f"{code!r} is not among the languages of staff {page.me.id}")
    return code


def with_microphone(response: HTMLResponse) -> HTMLResponse:
    """A page that records in the browser: the microphone for this origin only, and
    the recording played back from a ``blob:`` URL before it is saved."""
    response.headers["permissions-policy"] = PERMISSIONS_POLICY.replace(
        "microphone=()", "microphone=(self)"
    )
    response.headers["content-security-policy"] = (
        CONTENT_SECURITY_POLICY + "; media-src 'self' blob:"
    )
    return response


async def _stats() -> dict[str, CatalogStats]:
    """The catalogs are read from disk: off the event loop."""
    return {s.code: s for s in await asyncio.to_thread(catalog_stats)}


@staff_endpoint()
@only(TRANSLATING)
async def overview(page: Page) -> Response:
    stats = await _stats()
    async with page.uow() as uow:
        voices = await admin_queries.voices_by_language(uow)
        terms = await admin_queries.active_term_counts(uow)
        mine = await translations.translatable_languages(uow, page.actor)
        await translations.sync(uow)
        progress = {
            code: translations.progress(await translations.items(uow, code)) for code in mine
        }
        chat = {code: translations.totals(progress[code]) for code in mine}
        mode = await translations.unreviewed_mode(uow)
    shown = [lang for lang in LANGUAGES if page.me.role is not Role.TRANSLATOR or lang.code in mine]
    return page.render(
        "languages.html",
        rows=[
            (lang, stats[lang.code], voices[lang.code], terms.get(lang.code, 0)) for lang in shown
        ],
        progress=progress,
        chat=chat,
        ready={lang.code: translations.core_ready(lang.code) for lang in shown},
        mode=mode,
        modes=list(UnreviewedMode),
    )


async def suggested_keys(uow: UnitOfWork, voices: admin_queries.LanguageVoices) -> list[str]:
    wanted = list(SCREEN_VOICE_KEYS)
    for purpose in ConsentPurpose:  # each consent question on its current text
        version = await consent.current_version(uow, purpose)
        consent_key = f"consent:{purpose.value}:{version}"
        wanted += [consent_key, f"{consent_key}:details"]
    return list(dict.fromkeys([*wanted, *voices.keys]))


@staff_endpoint()
@only(TRANSLATING)
async def language_page(page: Page) -> Response:
    code = await translatable_code(page)
    stats = (await _stats())[code]
    sections = await asyncio.to_thread(file_sections, code)
    async with page.uow() as uow:  # rendered inside: the terms are rows
        voices = (await admin_queries.voices_by_language(uow))[code]
        terms = await triage_terms.of_language(uow, code)
        names = await staff_names(
            uow,
            [t.added_by_id for t in terms]
            + [t.deactivated_by_id for t in terms]
            + [t.reviewed_by_id for t in terms]
            + [p.uploaded_by_id for p in voices.uploads],
        )
        response = page.render(
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
            may_deactivate=page.me.role in COORDINATORS_AND_ADMINS,
        )
    return with_microphone(response)


@staff_endpoint()
@only(TRANSLATING)
async def add_term(page: Page) -> Response:
    code = await translatable_code(page)

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
@only(TRANSLATING)
async def review_term(page: Page) -> Response:
    code = await translatable_code(page)
    term_id = page.int_param("term_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        terms = await triage_terms.of_language(uow, code)
        if term_id not in {t.id for t in terms}:
            raise NotFound(f"no term {term_id} in {code}")
        await triage_terms.review(uow, page.actor, term_id)
        return ("term.reviewed",)

    return await change_action(page, change, back=f"/languages/{code}#term-{term_id}")


async def as_voice_prompt(audio: bytes) -> bytes:
    """An upload or a browser recording as OGG/Opus (converted unless it is already)."""
    if ogg_opus_problem(audio, MAX_BYTES) is None:
        return audio
    try:
        return await asyncio.to_thread(to_ogg_opus, audio)
    except NotAudio:
        raise FormError("form.audio") from None


@staff_endpoint()
@only(TRANSLATING)
async def upload_voice(page: Page) -> Response:
    code = await translatable_code(page)
    form = await read_form(page.request)
    try:
        key = form.text("key", max_length=80)
        if not is_voice_key(key):
            raise FormError("form.voice_key")
        upload = form.data.get("audio")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise FormError("form.file")
        audio = await as_voice_prompt(await upload.read(MAX_INPUT_BYTES + 1))
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
@only(TRANSLATING)
async def remove_voice(page: Page) -> Response:
    code = await translatable_code(page)

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        key = form.text("key", max_length=80)
        if not is_voice_key(key):
            raise NotFound("not a voice key")
        await voice_prompts.remove(uow, page.actor, key, code)
        return ("voice.removed",)

    return await change_action(page, change, back=f"/languages/{code}#voice")


@staff_endpoint()
@only(TRANSLATING)
async def play_voice(page: Page) -> Response:
    """The recording the chat sends for a key, to listen to before reviewing it."""
    code = await translatable_code(page)
    key = page.request.query_params.get("key", "")
    async with page.uow() as uow:
        audio = await voice_prompts.find(uow, key, code) if is_voice_key(key) else None
    if audio is None:
        raise NotFound(f"no recording of {key!r} in {code}")
    return Response(audio, media_type="audio/ogg", headers={"cache-control": "no-store"})


@staff_endpoint()
@only(ADMINS)
async def save_mode(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await translations.set_unreviewed_mode(uow, page.actor, form.choice("mode", UnreviewedMode))
        return ("languages.mode",)

    return await change_action(page, change, back="/languages#menu")


routes: list[BaseRoute] = [
    Route("/languages", overview, methods=["GET"]),
    Route("/languages/menu", save_mode, methods=["POST"]),
    Route("/languages/{lang}/terms/{term_id:int}/review", review_term, methods=["POST"]),
    Route("/languages/{lang}/voice/play", play_voice, methods=["GET"]),
    Route("/languages/{lang}", language_page, methods=["GET"]),
    Route("/languages/{lang}/terms", add_term, methods=["POST"]),
    Route("/languages/{lang}/terms/{term_id:int}/deactivate", deactivate_term, methods=["POST"]),
    Route("/languages/{lang}/voice", upload_voice, methods=["POST"]),
    Route("/languages/{lang}/voice/remove", remove_voice, methods=["POST"]),
]
