"""The web chat in a real browser (Debian's chromium through Playwright).

The same journey as on Telegram, through plain HTML forms: link with the code,
language, consent, goals, an appointment, the operator, and a message at risk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from starlette.applications import Starlette

from bot.webchat import webchat_routes
from plan_store.enums import Channel, FlagCategory, RequestReason, Severity
from plan_store.models import ChatLink, Flag, OperatorRequest
from plan_store.services import messages
from rumbo.container import Container
from tests.chromium import ARTIFACTS, CHROMIUM, HAVE_CHROMIUM, headless_chromium
from tests.e2e.support import a_case_with_code
from tests.fakes import serve_loopback

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        pytest.skip(f"no chromium at {CHROMIUM} (./dev setup installs it)")
    async with headless_chromium() as launched:
        yield launched


@pytest.fixture
async def chat_url(container: Container) -> AsyncIterator[str]:
    assert container.settings.secret_key is not None
    app = Starlette(
        routes=webchat_routes(container.uow, container.settings.secret_key.get_secret_value())
    )
    async with serve_loopback(app) as base:
        yield f"{base}/chat/"


@pytest.fixture
async def page(browser: Browser, chat_url: str) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 420, "height": 860}, locale="es-MX")
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    await opened.goto(chat_url)
    yield opened
    await context.close()
    assert errors == []


async def tap(page: Page, label: str) -> None:
    """Press the newest button with this label (older screens keep theirs)."""
    async with page.expect_navigation():
        await page.get_by_role("button", name=label).last.click()


async def say(page: Page, text: str) -> None:
    await page.get_by_placeholder("Escribe un mensaje").fill(text)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Enviar").click()


def newest(page: Page) -> str:
    return "li.bubble.bot >> nth=-1"


async def test_the_journey_in_a_browser(page: Page, container: Container) -> None:
    case = await a_case_with_code(container.uow, alias="Lu")
    await expect(page.get_by_role("note")).to_contain_text(
        "Chat de demostración — no es un canal real"
    )

    await tap(page, "▶️ Empezar")
    await expect(page.locator(newest(page))).to_contain_text("¿En qué idioma quieres hablar?")
    await tap(page, "Español")
    await say(page, case.code)
    await expect(page.locator(newest(page))).to_contain_text("Lo que escribas aquí lo leen")
    await tap(page, "🌐 Idioma")
    await tap(page, "Español ✓")
    await tap(page, "✅ Acepto")
    await expect(page.locator(newest(page))).to_contain_text("¿Qué quieres hacer, Lu?")

    await tap(page, "🎯 Mis metas")
    await tap(page, "📚 Educación (1)")
    await tap(page, "Terminar la secundaria")
    await tap(page, "✅ Ya lo hice")
    await expect(page.locator(newest(page))).to_contain_text("¡Bien hecho!")

    await tap(page, "🏠 Menú")
    await tap(page, "📅 Mis citas")
    await page.get_by_role("button", name="🏫 Inscripción al taller").last.wait_for()
    async with page.expect_navigation():
        await page.get_by_role("button", name="🏫 Inscripción al taller").last.click()
    await expect(page.locator(newest(page))).to_contain_text("CECATI 42")
    await tap(page, "✔️ Voy a ir")
    await expect(page.locator(newest(page))).to_contain_text("vas a ir")

    await tap(page, "🏠 Menú")
    await tap(page, "🙋 Hablar con Laura")
    await tap(page, "💬 Solo platicar")
    await say(page, "¿Me puedes llamar en la tarde?")
    await tap(page, "🟢 Puede esperar")
    await expect(page.locator(newest(page))).to_contain_text("Le avisé a Laura")

    await say(page, "ya no aguanto, me quiero morir")
    safety = page.locator(newest(page))
    await expect(safety).to_contain_text("Ahora mismo no pude avisarle a nadie de tu equipo")
    await expect(safety).to_contain_text("800 911 2000")
    # What the adolescent wrote shows as theirs, right before the answer.
    before = page.locator("ol.transcript > li").nth(-2)
    await expect(before).to_have_class("bubble me")
    await expect(before.locator(".text")).to_have_text("ya no aguanto, me quiero morir")

    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "webchat-journey.png"))

    async with container.uow() as uow:
        link = await uow.session.scalar(select(ChatLink).where(ChatLink.active))
        assert link is not None and link.channel is Channel.WEBCHAT
        (request,) = await uow.session.scalars(select(OperatorRequest))
        assert request.reason is RequestReason.TALK
        (flag,) = await uow.session.scalars(select(Flag))
        assert (flag.category, flag.severity) == (FlagCategory.SELF_HARM, Severity.URGENT)
        assert flag.adolescent_id == case.case_id


async def test_script_in_a_message_shows_as_text_with_or_without_javascript(
    browser: Browser, chat_url: str
) -> None:
    attack = (
        "<script>document.title='pwned'</script>"
        "<img src=x onerror=\"document.title='pwned'\"><b>negrita</b>"
    )
    for javascript in (True, False):
        context = await browser.new_context(java_script_enabled=javascript)
        page = await context.new_page()
        try:
            await page.goto(chat_url)
            await tap(page, "▶️ Empezar")
            await expect(page.locator(newest(page))).to_contain_text("¿En qué idioma")
            await say(page, attack)
            mine = page.locator("li.bubble.me .text >> nth=-1")
            await expect(mine).to_have_text(attack)
            assert await page.title() != "pwned"
            assert await page.locator("li.bubble img, li.bubble b, li.bubble script").count() == 0
            if javascript:
                ARTIFACTS.mkdir(exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "webchat-escaped.png"))
        finally:
            await context.close()


async def test_the_start_is_no_bubble_and_the_operators_reply_comes_into_view(
    page: Page, container: Container
) -> None:
    case = await a_case_with_code(container.uow, alias="Lu", appointment=False)
    await tap(page, "▶️ Empezar")
    await expect(page.locator("ol.transcript")).not_to_contain_text("/start")
    await tap(page, "Español")
    await say(page, case.code)
    await tap(page, "✅ Acepto")
    for number in range(8):  # a long conversation: the page scrolls
        await say(page, f"Mensaje número {number} para que la página sea larga")
    await page.evaluate("window.scrollTo(0, 0)")
    async with container.uow() as uow:
        await messages.reply(uow, case.operator, case.case_id, "Hola Lu, soy Laura. Te llamo hoy.")
        await uow.commit()
    await page.reload()  # what the page's script does when a message waits
    reply = page.locator("li.bubble.bot", has_text="Te llamo hoy.")
    await expect(reply).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "webchat-reply-in-view-phone.png"))
    await page.set_viewport_size({"width": 1280, "height": 860})
    await page.reload()
    await expect(reply).to_be_in_viewport()
    await page.screenshot(path=str(ARTIFACTS / "webchat-reply-in-view-laptop.png"))
