"""A language brought to life in the console, end to end, in a real browser.

A translator of K'iche' logs in, translates the core set in the workspace (each
message beside its chat preview, the placeholders checked while typing) and records
voice prompts with the browser's microphone (Chrome's MediaRecorder: WebM/Opus,
stored as OGG/Opus). A second speaker reviews every message. Then an adolescent
on Telegram (the fake Bot API) picks K'iche': the reviewed words and the recordings
come, as voice notes, and Spanish only where nothing is reviewed. Each step leaves a
screenshot in test-artifacts/translations/.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import datetime

import av
import pyotp
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from bot.telegram import TelegramClient
from dialogs import consent
from locales.core_set import SETS
from locales.core_strings import MY_GOALS
from plan_store.enums import Role
from plan_store.models import Translation
from plan_store.services import staff_languages, translations
from rumbo import parts
from rumbo.container import Container
from rumbo.settings import Settings
from staff_console.app import create_app
from tests.builders import PASSWORD, a_staff_member, totp_secret_for
from tests.chromium import ARTIFACTS as ALL_ARTIFACTS
from tests.chromium import CHROMIUM, FAKE_MICROPHONE, HAVE_CHROMIUM, headless_chromium
from tests.e2e.support import CaseToLink, Phone, a_case_with_code, running_poller
from tests.fakes import ChatMessage, FakeTelegram, serve_loopback

pytestmark = pytest.mark.browser

ARTIFACTS = ALL_ARTIFACTS / "translations"
SECRET = "a-test-secret-key-that-is-long-enough-0123456789"
CHAT = 880_014
CORE = [s for s in SETS if s.core]
RECORDED = ("safety", "consent:messaging:1", "consent:messaging:1:details", "menu")
"""The voice prompts of the core set's screens after the language is chosen."""


def in_quc(spanish: str) -> str:
    """The test's stand-in for a K'iche' text: marked, with every placeholder kept."""
    return f"«quc» {spanish}"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        pytest.skip(f"no chromium at {CHROMIUM} (./dev setup installs it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with headless_chromium(FAKE_MICROPHONE) as launched:
        yield launched


@pytest.fixture
async def console_url(container: Container) -> AsyncIterator[str]:
    async with serve_loopback(create_app(container.uow, secret_key=SECRET)) as base:
        yield base


@pytest.fixture
async def wired_client(
    tg_settings: Settings, container: Container
) -> AsyncIterator[TelegramClient]:
    configured = dataclasses.replace(container, settings=tg_settings)
    client = parts.telegram_client(configured)
    assert client is not None
    async with client:
        yield client


async def a_team(container: Container) -> CaseToLink:
    """A home with a case to link, an admin, and two K'iche' translators: Ana Tzoc
    (a community translator) and Pedro Ixcoy (an interpreter of the home)."""
    case = await a_case_with_code(container.uow, alias="Lu")
    async with container.uow() as uow:
        admin = await a_staff_member(uow, None, "root", Role.ADMIN)
        tzoc = await a_staff_member(uow, None, "tzoc", Role.TRANSLATOR, display_name="Ana Tzoc")
        ixcoy = await a_staff_member(
            uow, None, "ixcoy", Role.TRANSLATOR, display_name="Pedro Ixcoy"
        )
        for person in (tzoc, ixcoy):
            await staff_languages.set_translated(uow, admin, person.id, ["quc"])
        await uow.commit()
    return case


async def logged_in(
    browser: Browser, base: str, username: str, now: datetime
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="es-MX", base_url=base
    )
    await context.grant_permissions(["microphone"], origin=base)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto("/login")
    await page.get_by_label("Usuario").fill(username)
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/login/code")  # translators sign in with a second factor
    code = pyotp.TOTP(totp_secret_for(username)).at(now)
    await page.get_by_label("Código de tu aplicación de autenticación").fill(code)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/languages")  # a translator's home: their languages
    page.set_default_timeout(15_000)
    setattr(page, "_rumbo_errors", errors)  # noqa: B010 - read back by errors_of
    return context, page


def errors_of(page: Page) -> list[str]:
    return list(getattr(page, "_rumbo_errors"))  # noqa: B009


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def translate_set(page: Page, set_key: str) -> int:
    await page.goto(f"/languages/quc/messages?set={set_key}")
    items = page.locator("article.translation-item")
    count = await items.count()
    for index in range(1, count + 1):
        item = page.locator(f"#m-{index}")
        spanish = await item.locator("textarea[name=text]").get_attribute("data-source")
        assert spanish is not None
        await item.locator("textarea[name=text]").fill(in_quc(spanish))
        plural = item.locator("textarea[name=plural_text]")
        if await plural.count():
            plural_source = await plural.get_attribute("data-source")
            await plural.fill(in_quc(plural_source or ""))
        async with page.expect_navigation():
            await item.get_by_role("button", name="Guardar la traducción").click()
        await expect(page.locator(f"#m-{index} .translation-state")).to_contain_text("Borrador")
    return count


async def review_set(page: Page, set_key: str) -> int:
    await page.goto(f"/languages/quc/messages?set={set_key}")
    reviewed = 0
    buttons = page.get_by_role("button", name="Revisé: está bien")
    while await buttons.count():
        async with page.expect_navigation():
            await buttons.first.click()
        reviewed += 1
    return reviewed


async def record(page: Page, key: str) -> None:
    row = page.locator(f"#voice-{key.replace(':', '-')}")
    recorder = row.locator("[data-recorder]")
    await recorder.get_by_role("button", name="🎙️ Grabar").click()
    await expect(recorder.locator("[data-status]")).to_contain_text("Grabando")
    await page.wait_for_timeout(1200)  # the fake microphone's tone
    await recorder.get_by_role("button", name="⏹️ Parar").click()
    await expect(recorder.locator("audio")).to_be_visible()
    async with page.expect_navigation():
        await recorder.get_by_role("button", name="Guardar la grabación").click()
    await expect(page.locator(f"#voice-{key.replace(':', '-')}")).to_contain_text("Subida")


def decoded_seconds(ogg: bytes) -> float:
    """Decode a voice note as Telegram's apps do: OGG/Opus, every packet."""
    with av.open(io.BytesIO(ogg)) as container:
        assert container.format.name == "ogg"
        (stream,) = container.streams.audio
        assert stream.codec_context.name == "opus"
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / 48_000


def voices(messages: list[ChatMessage], tg: FakeTelegram) -> list[bytes]:
    return [tg.files[m.voice_file_id] for m in messages if m.voice_file_id is not None]


def texts(messages: list[ChatMessage]) -> str:
    return "\n".join(m.text or "" for m in messages)


async def test_a_translator_brings_kiche_to_life_and_an_adolescent_on_telegram_gets_it(
    browser: Browser,
    console_url: str,
    container: Container,
    tg: FakeTelegram,
    tg_settings: Settings,
    wired_client: TelegramClient,
) -> None:
    case = await a_team(container)

    # --- the translator translates the core set and records ----------------------
    context, page = await logged_in(browser, console_url, "tzoc", container.clock())
    await expect(page.locator("#lang-quc")).to_contain_text("En preparación")
    await expect(page.locator("#lang-mam")).to_have_count(0)  # not her language
    await shot(page, "01-translator-languages")

    await page.goto("/languages/quc/messages?set=menu")
    live = page.locator("article.translation-item").filter(has_text="{name}").first
    field = live.locator("textarea[name=text]")
    await field.fill("sin el marcador")
    await expect(live.locator(".placeholder-check")).to_contain_text("Falta: {name}")
    assert await field.evaluate("f => f.validity.valid") is False
    await expect(live.locator("[data-preview-for]")).to_have_text("sin el marcador")
    await shot(page, "02-live-placeholder-check")

    translated = 0
    for message_set in CORE:
        translated += await translate_set(page, message_set.key)
    await shot(page, "03-core-set-translated")

    await page.goto("/languages/quc")
    for key in RECORDED:
        await record(page, key)
    await shot(page, "04-recorded")
    assert errors_of(page) == []
    await context.close()

    # --- a second speaker reviews -------------------------------------------------
    context, page = await logged_in(browser, console_url, "ixcoy", container.clock())
    reviewed = 0
    for message_set in CORE:
        reviewed += await review_set(page, message_set.key)
    assert reviewed == translated
    await page.goto("/languages")
    await expect(page.locator("#lang-quc")).to_contain_text("Listo")
    await shot(page, "05-core-set-reviewed")
    await page.goto("/languages/quc/messages?set=safety")
    await expect(page.locator("article.translation-item").first).to_contain_text("por Pedro Ixcoy")
    await shot(page, "06-reviewed-by")
    assert errors_of(page) == []
    await context.close()

    async with container.uow() as uow:
        signatures = list(
            await uow.session.execute(
                select(Translation.translated_by_name, Translation.reviewed_by_name)
            )
        )
    assert len(signatures) == translated
    assert set(signatures) == {("Ana Tzoc", "Pedro Ixcoy")}

    # --- an adolescent on Telegram picks K'iche' ------------------------------------
    async with running_poller(tg_settings, container) as poller:
        phone = Phone(tg, CHAT, container.uow, wired_client, poller)
        welcome = await phone.send("/start")
        labels = [text for m in welcome for row in m.buttons for text, _ in row]
        assert "K'iche'" in labels  # ready: no "en preparación" any more
        assert "Mam — en preparación" in labels

        asked = await phone.tap("K'iche'")
        assert "en preparación" not in texts(asked)
        linked = await phone.send(case.code)
        assert in_quc(consent.SUMMARY) in texts(linked)
        (consent_voice,) = voices(linked, tg)
        assert decoded_seconds(consent_voice) > 0.5

        details = await phone.tap(in_quc("ℹ️ Más detalles"))
        assert in_quc(consent.DETAILS) in texts(details)
        (details_voice,) = voices(details, tg)
        assert decoded_seconds(details_voice) > 0.5

        menu = await phone.tap(in_quc("✅ Acepto"))
        assert in_quc("¿Qué quieres hacer, {name}?").format(name="Lu") in texts(menu)
        (menu_voice,) = voices(menu, tg)
        assert decoded_seconds(menu_voice) > 0.5

        safety = await phone.send("me quiero matar")  # Spanish terms count in every language
        assert in_quc("Aquí sigo. Puedes escribirme cuando quieras.") in texts(safety)
        (safety_voice,) = voices(safety, tg)
        assert decoded_seconds(safety_voice) > 0.5

        goals = await phone.tap(in_quc(MY_GOALS))  # the core set's button...
        # ...opens a screen nobody translated: Spanish, with the core "Menú" button.
        assert texts(goals) == "🎯 Tus metas\n¿Cuáles quieres ver?"
        labels = [text for m in goals for row in m.buttons for text, _ in row]
        assert "📚 Educación (1)" in labels and in_quc("🏠 Menú") in labels

    async with container.uow() as uow:
        await translations.sync(uow)
    assert translations.core_ready("quc")
