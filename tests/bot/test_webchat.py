"""The web chat over HTTP (no browser): identity, forms, the pull delivery, escaping.

The browser journey is in ``test_webchat_browser.py``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.webchat import WebChat
from bot.webchat.app import COOKIE
from dialogs.screens import Button, Screen
from plan_store.enums import Channel, ConsentDecision, OutboxStatus
from plan_store.models import Adolescent, OutboxMessage
from plan_store.services import consent, linking, messages, outbox
from rumbo.container import Container
from tests.e2e.support import a_case_with_code, outbox_rows, processed_count

SECRET = "w" * 40
SCRIPT = "<script>alert('rumbo')</script>"


@dataclass
class Browser:
    http: httpx.AsyncClient
    chat: WebChat

    @property
    def chat_id(self) -> str:
        chat_id = self.chat.chat_in_cookie(self.http.cookies.get(COOKIE))
        assert chat_id is not None
        return chat_id

    async def page(self) -> httpx.Response:
        response = await self.http.get("/chat/")
        assert response.status_code == 200
        return response

    @staticmethod
    def tokens(page: httpx.Response) -> list[str]:
        return re.findall(r'name="u" value="([^"]+)"', page.text)


@pytest.fixture
async def browser(container: Container) -> AsyncIterator[Browser]:
    chat = WebChat(container.uow, SECRET)
    app = Starlette(routes=chat.routes())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://rumbo.test"
    ) as http:
        yield Browser(http, chat)


async def show(container: Container, chat_id: str, screen: Screen, **options: object) -> int:
    async with container.uow() as uow:
        row = await outbox.enqueue(
            uow,
            channel=Channel.WEBCHAT,
            external_chat_id=chat_id,
            payload=screen.to_payload(),
            **options,  # type: ignore[arg-type]
        )
        await uow.commit()
        return row.id


async def test_every_page_says_it_is_a_demo_and_allows_no_inline_script(
    browser: Browser,
) -> None:
    page = await browser.page()
    assert "Chat de demostración — no es un canal real" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    # Scripts only from files: no inline script, no event-handler attributes.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/chat/static/chat.js" defer>']
    assert not re.search(r"\son[a-z]+=", page.text)
    static = await browser.http.get("/chat/static/chat.js")
    assert static.status_code == 200 and "javascript" in static.headers["content-type"]


async def test_each_browser_gets_a_random_chat_in_a_signed_http_only_cookie(
    browser: Browser, container: Container
) -> None:
    page = await browser.page()
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/chat/" in cookie
    first = browser.chat_id
    assert re.fullmatch(r"w[0-9a-f]{24}", first)
    assert first not in page.text.split("value=")[0]  # not in URLs or the page text

    await browser.page()
    assert browser.chat_id == first  # the same chat on the next visit

    browser.http.cookies.set(COOKIE, "forged.value", domain="rumbo.test", path="/chat/")
    await browser.page()
    assert browser.chat_id != first  # an unsigned cookie starts a new chat

    # "Start a new chat" replaces the chat; the old one keeps its own messages.
    second = browser.chat_id
    (*_, new_token) = Browser.tokens(await browser.page())
    await browser.http.post("/chat/new", data={"u": new_token})
    assert browser.chat_id not in (first, second)


async def test_the_page_delivers_what_is_due_and_marks_it_sent(
    browser: Browser, container: Container
) -> None:
    await browser.page()
    chat_id = browser.chat_id
    first = await show(container, chat_id, Screen("Hola 👋 Soy Rumbo."))
    second = await show(container, chat_id, Screen("¿En qué idioma quieres hablar?"))
    later = await show(
        container,
        chat_id,
        Screen("Mañana: taller"),
        not_before=container.clock() + timedelta(hours=1),
    )
    elsewhere = await show(container, "w-someone-else", Screen("No es para ti"))

    assert (await browser.http.get("/chat/pending")).json() == {"pending": 2}
    page = await browser.page()
    assert "Hola 👋 Soy Rumbo." in page.text and "¿En qué idioma" in page.text
    assert "Mañana: taller" not in page.text and "No es para ti" not in page.text
    assert (await browser.http.get("/chat/pending")).json() == {"pending": 0}

    async with container.uow() as uow:
        rows = {
            r.id: (r.status, r.external_message_id)
            for r in await uow.session.scalars(select(OutboxMessage))
        }
    assert rows[first] == (OutboxStatus.SENT, str(first))
    assert rows[second] == (OutboxStatus.SENT, str(second))
    assert rows[later] == (OutboxStatus.PENDING, None)
    assert rows[elsewhere] == (OutboxStatus.PENDING, None)


async def test_script_in_a_screen_or_a_button_shows_as_text(
    browser: Browser, container: Container
) -> None:
    await browser.page()
    label = '"><img src=x onerror=alert(1)>'
    await show(
        container,
        browser.chat_id,
        Screen(f"Mira esto: {SCRIPT}", ((Button(label, 'x"><script>'),),)),
    )
    page = await browser.page()
    assert SCRIPT not in page.text and "<img" not in page.text
    assert "Mira esto: &lt;script&gt;alert(&#39;rumbo&#39;)&lt;/script&gt;" in page.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text


async def test_a_cleared_chat_shows_nothing_it_had_and_erased_words_never_show(
    browser: Browser, container: Container
) -> None:
    await browser.page()
    chat_id = browser.chat_id
    await show(container, chat_id, Screen("Tu cita es mañana a las 10:00"))
    await browser.page()
    async with container.uow() as uow:
        await outbox.queue_clear_chat(uow, Channel.WEBCHAT, chat_id, "clear:1")
        await uow.commit()
    await show(container, chat_id, Screen("Listo, borré la conversación."))
    page = await browser.page()
    assert "Tu cita es mañana" not in page.text
    assert "Listo, borré la conversación." in page.text

    async with container.uow() as uow:
        erased = await outbox.enqueue(
            uow, channel=Channel.WEBCHAT, external_chat_id=chat_id, payload={"erased": True}
        )
        erased_id = erased.id
        await uow.commit()
    page = await browser.page()
    assert "erased" not in page.text
    async with container.uow() as uow:
        row = await uow.session.get(OutboxMessage, erased_id)
        assert row is not None and row.status is OutboxStatus.CANCELLED


async def test_a_staff_reply_shows_who_wrote_it_and_script_stays_text(
    browser: Browser, container: Container
) -> None:
    await browser.page()
    case = await a_case_with_code(container.uow)
    async with container.uow() as uow:
        await linking.redeem_code(uow, Channel.WEBCHAT, browser.chat_id, case.code)
        adolescent = await uow.session.get(Adolescent, case.case_id)
        assert adolescent is not None
        await consent.decide(
            uow, adolescent, decision=ConsentDecision.GIVEN, language="es", channel=Channel.WEBCHAT
        )
        await messages.reply(uow, case.operator, case.case_id, f"Hola Lu. {SCRIPT}")
        await uow.commit()
    page = await browser.page()
    assert '<span class="who">Laura</span>' in page.text
    assert "Hola Lu. &lt;script&gt;" in page.text and SCRIPT not in page.text


async def test_a_form_not_made_for_this_chat_is_ignored(
    browser: Browser, container: Container
) -> None:
    page = await browser.page()
    (start_token, *_) = Browser.tokens(page)
    other = WebChat(container.uow, "x" * 40)
    forged = [
        {"text": "hola"},  # no token
        {"text": "hola", "u": "garbage"},
        {"text": "hola", "u": other.form_token(browser.chat_id)},  # signed by another key
        {"text": "hola", "u": browser.chat.form_token("w-another-chat")},
    ]
    for form in forged:
        response = await browser.http.post("/chat/send", data=form)
        assert response.status_code == 303 and response.headers["location"] == "/chat/#ultimo"
    async with httpx.AsyncClient(
        transport=browser.http._transport, base_url="http://rumbo.test"
    ) as stranger:  # the right token, but no cookie: another browser or site
        await stranger.post("/chat/send", data={"text": "hola", "u": start_token})
    assert await processed_count(container.uow, Channel.WEBCHAT) == 0
    assert await outbox_rows(container.uow, Channel.WEBCHAT) == []


async def test_a_form_sent_twice_is_applied_once(browser: Browser, container: Container) -> None:
    (start_token, *_) = Browser.tokens(await browser.page())
    for _ in range(2):
        response = await browser.http.post("/chat/send", data={"text": "hola", "u": start_token})
        assert response.status_code == 303
    assert await processed_count(container.uow, Channel.WEBCHAT) == 1
    replies = await outbox_rows(container.uow, Channel.WEBCHAT)
    assert replies and all(row["chat"] == browser.chat_id for row in replies)
    page = await browser.page()
    assert page.text.count('<span class="who">Tú</span>') == 1


async def test_the_start_command_is_not_shown_as_a_bubble(
    browser: Browser, container: Container
) -> None:
    (start_token, *_) = Browser.tokens(await browser.page())
    await browser.http.post("/chat/send", data={"text": "/start", "u": start_token})
    page = await browser.page()
    assert await processed_count(container.uow, Channel.WEBCHAT) == 1
    assert "/start" not in page.text and '<span class="who">Tú</span>' not in page.text
    assert "Soy Rumbo" in page.text  # the welcome came


async def test_rumbo_demo_mounts_the_web_chat_with_the_console(container: Container) -> None:
    from rumbo.server import build_app, build_parts

    built = build_parts(container, (), demo=True)
    webchat = next(part for part in built if part.name == "webchat")
    assert "demo" in webchat.note
    assert "webchat" not in [part.name for part in build_parts(container, ("telegram",))]
    app = build_app(container, built)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://rumbo.test"
    ) as http:
        page = await http.get("/chat/")
        assert page.status_code == 200 and "no es un canal real" in page.text
        head = await http.head("/chat/")
        assert head.status_code == 200


async def test_without_a_secret_key_the_web_chat_is_off(container: Container) -> None:
    from rumbo import parts

    container.settings = container.settings.model_copy(update={"secret_key": None})
    part = parts.webchat(container, demo=True)
    assert part.routes == [] and "RUMBO_SECRET_KEY" in part.note
