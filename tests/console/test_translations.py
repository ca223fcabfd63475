"""The translator's role in the console: only their languages, no cases; the
workspace refuses broken placeholders and one's own review; staff languages; a
request for a speaker reaches the staff who speak it."""

from __future__ import annotations

from typing import Any

from markupsafe import escape

from plan_store.enums import RequestReason, Role, Urgency
from plan_store.services import requests
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.console.conftest import Browser
from tests.console.test_case_page import notices
from tests.console.test_languages import after, speaks
from tests.console.world import World

BACK = "⬅️ Volver"


async def a_translator(container: Container, world: World, browsers: Any) -> Browser:
    """Ana Tzoc, translator of K'iche', given it by the admin on the staff page."""
    async with container.uow() as uow:
        await a_staff_member(uow, None, "tzoc", Role.TRANSLATOR, display_name="Ana Tzoc")
        await uow.commit()
    admin: Browser = browsers()
    assert (await admin.login("admin")).status_code == 303
    staff_page = (await admin.get("/admin/staff")).text
    assert "Ana Tzoc" in staff_page and "sin idiomas" in staff_page
    tzoc_id = staff_page.split("Ana Tzoc")[0].rsplit('id="staff-', 1)[1].split('"')[0]
    response = await admin.post(f"/admin/staff/{tzoc_id}/translates", {"translates": "quc"})
    assert notices(await after(admin, response)) == ["Idiomas guardados."]
    translator: Browser = browsers()
    login = await translator.login("tzoc")
    assert login.status_code == 303
    return translator


async def test_a_translator_reaches_only_their_languages_and_no_case(
    browsers: Any, world: World, container: Container
) -> None:
    tzoc = await a_translator(container, world, browsers)
    home = await tzoc.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/languages")
    overview = (await tzoc.get("/languages")).text
    assert 'id="lang-quc"' in overview and 'id="lang-mam"' not in overview
    assert 'href="/cases"' not in overview  # no cases in the navigation
    assert (await tzoc.get("/languages/mam")).status_code == 404
    assert (await tzoc.get("/languages/mam/messages")).status_code == 404
    assert (await tzoc.get(f"/cases/{world.ana_case.id}")).status_code == 404
    account = (await tzoc.get("/account")).text
    assert 'id="speaks"' in account and 'id="alerts"' not in account  # never on duty
    workspace = await tzoc.get("/languages/quc/messages?set=consent")
    assert workspace.status_code == 200
    assert "Consentimiento y sus detalles" in workspace.text and "básico" in workspace.text
    page = await tzoc.get("/languages/quc")
    assert "microphone=(self)" in page.headers["permissions-policy"]
    assert "media-src 'self' blob:" in page.headers["content-security-policy"]


async def test_the_workspace_saves_drafts_refuses_broken_placeholders_and_own_reviews(
    browsers: Any, world: World, container: Container
) -> None:
    tzoc = await a_translator(container, world, browsers)
    broken = await tzoc.post(
        "/languages/quc/messages/save?set=menu&at=m-3",
        {"context": "", "msgid": "¿Qué quieres hacer, {name}?", "text": "¿Jas kaj?"},
    )
    assert broken.headers["location"] == "/languages/quc/messages?set=menu#m-3"
    assert notices(await after(tzoc, broken)) == [
        "La traducción tiene que llevar los mismos marcadores que el español, como {name}."
    ]
    saved = await tzoc.post(
        "/languages/quc/messages/save?set=menu",
        {"context": "", "msgid": BACK, "text": "⬅️ Chi'j", "note": "corto"},
    )
    page = await after(tzoc, saved)
    assert notices(page) == ["Traducción guardada. Otra persona hablante tiene que revisarla."]
    assert "de Ana Tzoc" in page and str(escape("⬅️ Chi'j")) in page
    own = await tzoc.post("/languages/quc/messages/review?set=menu", {"context": "", "msgid": BACK})
    assert notices(await after(tzoc, own)) == [
        "Nadie revisa su propio texto: la revisión la hace otra persona hablante."
    ]
    marta: Browser = browsers()
    assert (await marta.login("marta")).status_code == 303  # coordinators translate too
    reviewed = await marta.post(
        "/languages/quc/messages/review?set=menu", {"context": "", "msgid": BACK}
    )
    page = await after(marta, reviewed)
    assert notices(page) == ["Revisada. El chat la usa desde el próximo mensaje."]
    assert "por Marta" in page


async def test_a_request_for_a_speaker_reaches_the_staff_who_speak_the_language(
    browsers: Any, world: World, container: Container
) -> None:
    beto: Browser = browsers()
    assert (await beto.login("beto")).status_code == 303
    saved = await beto.post("/account/speaks", {"speaks": "quc"})
    assert notices(await after(beto, saved)) == ["Idiomas guardados."]
    await speaks(container, world.ana_case.id, "quc")
    async with container.uow() as uow:
        await requests.create(
            uow,
            world.ana_case.id,
            reason=RequestReason.TALK,
            urgency=Urgency.NORMAL,
            speaker_language="quc",
        )
        await uow.commit()
    board = (await beto.get("/")).text
    assert "Piden a alguien que hable su idioma" in board and world.ana_case.case_number in board
    ana: Browser = browsers()
    assert (await ana.login("ana")).status_code == 303
    assert "Piden a alguien que hable su idioma" not in (await ana.get("/")).text
    case_page = (await ana.get(f"/cases/{world.ana_case.id}")).text
    assert str(escape("Hablan K'iche' en la casa")) in case_page and "Beto" in case_page
