"""The languages page (coordinators and admins): how far each catalog is translated
and reviewed, voice prompts per language, and the risk terms staff add, which triage
reads from the next message on, through the real conversation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from locales import catalog_stats
from locales.core_set import workspace_messages
from plan_store.enums import FlagCategory, Severity
from plan_store.models import Adolescent, Flag, Message, TriageTerm
from plan_store.services import translations, voice_prompts
from rumbo.container import Container
from tests.console.conftest import Browser, audit_count
from tests.console.helpers import snapshot
from tests.console.test_case_page import notices
from tests.console.world import World
from tests.dialogs.chat import Chat
from tests.voice_samples import ogg_opus

# Made-up words, in no file: only a term staff add can make them a risk.
PHRASE = "hoy viene el tío Chucho por mí"
TERM = "tio chucho"


@pytest.fixture
async def as_marta(browsers: Any, world: World) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login("marta")).status_code == 303
    return browser


async def after(browser: Browser, response: Any) -> str:
    assert response.status_code == 303, response.status_code
    return (await browser.get(response.headers["location"])).text


async def speaks(container: Container, case_id: int, code: str) -> None:
    """The adolescent's chat language (as if chosen in the chat)."""
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Adolescent).where(Adolescent.id == case_id).values(language=code)
        )


async def flags_of(container: Container, case_id: int) -> list[tuple[FlagCategory, Severity]]:
    async with container.uow() as uow:
        rows = await uow.session.execute(
            select(Flag.category, Flag.severity)
            .where(Flag.adolescent_id == case_id, Flag.message_id.is_not(None))
            .order_by(Flag.id)
        )
        return [(row[0], row[1]) for row in rows]


async def test_operators_get_404_and_are_audited_coordinators_and_admins_come_in(
    as_ana: Browser, as_marta: Browser, browsers: Any, world: World, container: Container
) -> None:
    before = await snapshot(container)
    for path in ("/languages", "/languages/es", "/languages/mam"):
        assert (await as_ana.get(path)).status_code == 404
    for path, form in (
        ("/languages/mam/terms", {"term": TERM, "category": "running_away", "severity": "high"}),
        ("/languages/es/voice/remove", {"key": "menu"}),
    ):
        assert (await as_ana.post(path, form)).status_code == 404
    assert await snapshot(container) == before
    assert await audit_count(container, "console.refused", staff_id=world.ana.id) == 5
    assert 'href="/languages"' not in (await as_ana.get("/")).text

    admin: Browser = browsers()
    await admin.login("admin")
    for browser in (as_marta, admin):
        assert (await browser.get("/languages")).status_code == 200
        assert (await browser.get("/languages/quc")).status_code == 200
    assert (await as_marta.get("/languages/xx")).status_code == 404


async def test_the_page_counts_translated_reviewed_and_draft_entries_per_language(
    as_marta: Browser, container: Container
) -> None:
    page = (await as_marta.get("/languages")).text
    for stats in catalog_stats():
        row = re.search(rf'<tr id="lang-{stats.code}">(.*?)</tr>', page, re.S)
        assert row is not None, stats.code
        cells = re.findall(r"<td>(\d+)", row.group(1))
        counts: Any = stats  # Spanish, the source: its catalog
        if stats.code != "es":  # what the chat says, translated here or in the catalog
            async with container.uow() as uow:
                items = await translations.items(uow, stats.code)
            counts = translations.totals(translations.progress(items))
            assert counts.total == len(workspace_messages())
        wanted = (counts.total, counts.translated, counts.reviewed, counts.drafts, stats.fuzzy)
        assert cells[:5] == [str(n) for n in wanted], stats.code
        assert str(escape(stats.native_name)) in row.group(1)
    detail = (await as_marta.get("/languages/mam")).text
    assert "Mam" in detail and "Notas de voz" in detail and "Términos de riesgo" in detail
    # Spanish terms are always read: the Mam page says so, the Spanish page lists them.
    assert "siempre, con los de Español" in detail
    spanish = (await as_marta.get("/languages/es")).text
    assert "me quiero morir" in spanish and "me muero de risa" in spanish


async def test_a_term_staff_add_raises_a_flag_in_that_languages_chats_until_turned_off(
    as_marta: Browser, world: World, container: Container
) -> None:
    case = world.ana_case
    await speaks(container, case.id, "mam")
    chat = Chat(container, chat_id=case.chat)
    await chat.send(PHRASE)
    # Only the world's own flag: no file term reads the phrase as a risk.
    assert await flags_of(container, case.id) == [(FlagCategory.RUNNING_AWAY, Severity.URGENT)]

    page = await after(
        as_marta,
        await as_marta.post(
            "/languages/mam/terms",
            {"term": f"  Tío   {TERM.split()[1]} ", "category": "running_away", "severity": "high"},
        ),
    )
    assert notices(page) == ["Término agregado. Cuenta desde el próximo mensaje."]
    assert "<code>Tío chucho</code>" in page
    async with container.uow() as uow:
        term = await uow.session.scalar(select(TriageTerm))
        assert term is not None
        assert (term.language, term.term, term.added_by_id, term.active) == (
            "mam",
            "Tío chucho",
            world.coordinator.id,
            True,
        )
        term_id = term.id
    assert await audit_count(container, "triage_term.add", staff_id=world.coordinator.id) == 1

    await chat.send(PHRASE)
    assert chat.sees("Gracias por contármelo.")
    found = await flags_of(container, case.id)
    assert found[-1] == (FlagCategory.RUNNING_AWAY, Severity.HIGH)
    async with container.uow() as uow:
        flag = await uow.session.scalar(select(Flag).order_by(Flag.id.desc()))
        assert flag is not None and flag.message_id is not None
        message = await uow.session.get(Message, flag.message_id)
        assert message is not None
        assert uow.cipher.decrypt(message.body_ciphertext) == PHRASE

    # A chat in another language is not read with Mam terms.
    await speaks(container, world.beto_case.id, "es")
    other = Chat(container, chat_id=world.beto_case.chat)
    await other.send(PHRASE)
    assert await flags_of(container, world.beto_case.id) == [
        (FlagCategory.RUNNING_AWAY, Severity.URGENT)
    ]

    page = await after(as_marta, await as_marta.post(f"/languages/mam/terms/{term_id}/deactivate"))
    assert notices(page) == ["Término desactivado."]
    assert "Desactivado por Marta" in page
    count = len(await flags_of(container, case.id))
    await chat.send(PHRASE)
    assert len(await flags_of(container, case.id)) == count
    assert chat.sees("Se lo paso a tu equipo.")
    # Another language's page does not reach this term.
    assert (await as_marta.post(f"/languages/es/terms/{term_id}/deactivate")).status_code == 404


@pytest.mark.parametrize(
    ("term", "problem"),
    [
        ("su*", "Revisa los datos: algo no es válido."),
        ("me # voy", "Revisa los datos: algo no es válido."),
        ("[ignore]", "Revisa los datos: algo no es válido."),
        ("", "Falta un dato obligatorio."),
    ],
)
async def test_a_term_is_checked_before_it_is_read(
    as_marta: Browser, container: Container, term: str, problem: str
) -> None:
    before = await snapshot(container)
    response = await as_marta.post(
        "/languages/es/terms", {"term": term, "category": "health", "severity": "low"}
    )
    assert notices(await after(as_marta, response)) == [problem]
    assert await snapshot(container) == before


async def test_a_spanish_term_is_read_in_every_language(
    as_marta: Browser, world: World, container: Container
) -> None:
    added = await as_marta.post(
        "/languages/es/terms",
        {"term": "= me late el coco", "category": "health", "severity": "medium"},
    )
    assert notices(await after(as_marta, added)) == [
        "Término agregado. Cuenta desde el próximo mensaje."
    ]
    twice = await as_marta.post(
        "/languages/es/terms",
        {"term": "=  ME LATE el coco", "category": "health", "severity": "low"},
    )
    assert notices(await after(as_marta, twice)) == ["Ya existe uno igual."]
    await speaks(container, world.ana_case.id, "quc")
    chat = Chat(container, chat_id=world.ana_case.chat)
    await chat.send("me late el coco")
    await chat.send("creo que me late el coco, ja")  # "=": only the whole message counts
    assert await flags_of(container, world.ana_case.id) == [
        (FlagCategory.RUNNING_AWAY, Severity.URGENT),  # the world's own flag
        (FlagCategory.HEALTH, Severity.MEDIUM),
    ]


async def test_voice_prompts_are_uploaded_listed_and_removed_per_language(
    as_marta: Browser, world: World, container: Container
) -> None:
    page = (await as_marta.get("/languages/mam")).text
    keys = ("welcome", "menu", "consent:messaging:1", "consent:messaging:1:details")
    for key in (*keys, "consent:follow_up:1", "consent:follow_up:1:details"):
        assert f"<code>{key}</code>" in page, key
    recording = ogg_opus("menú en mam")
    token = await as_marta.token()
    response = await as_marta.client.post(
        "/languages/mam/voice",
        data={"csrf_token": token, "key": "menu"},
        files={"audio": ("menu.ogg", recording, "audio/ogg")},
    )
    page = await after(as_marta, response)
    assert notices(page) == ["Grabación guardada."]
    row = re.search(r'<tr id="voice-menu">(.*?)</tr>', page, re.S)
    assert row is not None and "Subida" in row.group(1) and "Marta" in row.group(1)
    async with container.uow() as uow:
        assert await voice_prompts.find(uow, "menu", "mam") == recording
        assert await voice_prompts.find(uow, "menu", "quc") is None
    assert await audit_count(container, "voice_prompt.attach", staff_id=world.coordinator.id) == 1

    for data, files, problem in (
        (
            {"key": "menu"},
            {"audio": ("nota.mp3", b"ID3 not audio at all", "audio/mpeg")},
            "No se pudo leer el audio.",
        ),
        (
            {"key": "Menú Principal"},
            {"audio": ("menu.ogg", recording, "audio/ogg")},
            "La clave no es válida",
        ),
        (
            {"key": "menu"},
            {"audio": ("", b"", "application/octet-stream")},
            "Elige un archivo de audio.",
        ),
    ):
        response = await as_marta.client.post(
            "/languages/mam/voice", data={"csrf_token": token, **data}, files=files
        )
        (shown,) = notices(await after(as_marta, response))
        assert shown.startswith(problem), shown
    too_big = await as_marta.client.post(
        "/languages/mam/voice",
        data={"csrf_token": token, "key": "menu"},
        files={"audio": ("big.webm", b"\x1aE\xdf\xa3" + b"\0" * (9 * 1024 * 1024), "audio/webm")},
    )
    assert too_big.status_code == 413  # recordings are converted; 8 MB is the most taken

    response = await as_marta.post("/languages/mam/voice/remove", {"key": "menu"})
    assert notices(await after(as_marta, response)) == ["Grabación quitada."]
    async with container.uow() as uow:
        assert await voice_prompts.find(uow, "menu", "mam") is None
    assert (await as_marta.post("/languages/mam/voice/remove", {"key": "menu"})).status_code == 404
