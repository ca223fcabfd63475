"""Attacks on the web chat, the one channel anyone can open: guessing linking codes
from fresh chats, planting a chat id before a code is redeemed, and the rows each
guess leaves behind."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.scheduler import jobs
from bot.webchat import WebChat
from bot.webchat.app import COOKIE, CodeGuessLimits
from plan_store.enums import Channel
from plan_store.models import ChatLink, ChatSession, OutboxMessage, ProcessedUpdate
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.e2e.support import a_case_with_code

SECRET = "w" * 40
Browsers = Callable[[str], httpx.AsyncClient]


@pytest.fixture
def limits() -> CodeGuessLimits:
    return CodeGuessLimits()


@pytest.fixture
async def chat(container: Container, limits: CodeGuessLimits) -> WebChat:
    return WebChat(container.uow, SECRET, limits=limits)


@pytest.fixture
async def browsers(chat: WebChat) -> AsyncIterator[Browsers]:
    app = Starlette(routes=chat.routes())
    opened: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://rumbo.test")
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


async def say(client: httpx.AsyncClient, text: str) -> str:
    """Open the page (a new browser gets a chat), send ``text``, return the page after."""
    page = await client.get("/chat/")
    token = re.findall(r'name="u" value="([^"]+)"', page.text)[-1]
    await client.post("/chat/send", data={"u": token, "text": text})
    return (await client.get("/chat/")).text


async def wrong_guesses(container: Container) -> int:
    async with container.uow() as uow:
        total = await uow.session.scalar(select(func.sum(ChatSession.failed_code_attempts)))
    return int(total or 0)


async def test_guesses_from_one_address_are_limited_however_many_fresh_chats_it_opens(
    browsers: Browsers, container: Container, limits: CodeGuessLimits, clock: FakeClock
) -> None:
    for n in range(limits.per_address + 5):
        page = await say(browsers("198.51.100.4"), f"/start ZZ{n:06d}")
    assert await wrong_guesses(container) == limits.per_address
    assert "Ya hubo muchos intentos. Prueba otra vez a las" in page
    # Someone else, elsewhere, still links her chat with her code.
    case = await a_case_with_code(container.uow)
    await say(browsers("203.0.113.50"), f"/start {case.code}")
    async with container.uow() as uow:
        assert await uow.session.scalar(select(func.count(ChatLink.id))) == 1
    clock.advance(hours=1, minutes=1)
    await say(browsers("198.51.100.4"), "/start ZZ999999")
    assert await wrong_guesses(container) == limits.per_address + 1


@pytest.mark.parametrize("limits", [CodeGuessLimits(per_address=100, in_all=6)])
async def test_guesses_from_many_addresses_meet_a_limit_for_all_web_chats(
    browsers: Browsers, container: Container, limits: CodeGuessLimits
) -> None:
    for n in range(10):
        await say(browsers(f"198.51.100.{n}"), f"/start ZZ{n:06d}")
    assert await wrong_guesses(container) == limits.in_all


async def test_messages_that_are_not_wrong_codes_do_not_count(
    browsers: Browsers, container: Container, limits: CodeGuessLimits
) -> None:
    client = browsers("198.51.100.4")
    for _ in range(limits.per_address + 3):
        page = await say(client, "/start")
    assert "muchos intentos" not in page


async def test_redeeming_a_code_gives_the_chat_a_new_id(
    browsers: Browsers, container: Container, chat: WebChat
) -> None:
    victim = browsers("203.0.113.50")
    await victim.get("/chat/")
    planted = victim.cookies.get(COOKIE)  # known to whoever set the cookie up
    old_id = chat.chat_in_cookie(planted)
    case = await a_case_with_code(container.uow)
    await say(victim, f"/start {case.code}")
    new_id = chat.chat_in_cookie(victim.cookies.get(COOKIE))
    assert new_id is not None and new_id != old_id
    async with container.uow() as uow:
        link = await uow.session.scalar(select(ChatLink))
        assert link is not None and link.external_id == new_id
        assert (
            await uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.external_chat_id == old_id)
            )
            == 0
        )
    attacker = browsers("198.51.100.66")
    attacker.cookies.set(COOKIE, planted or "", domain="rumbo.test", path="/chat/")
    seen = (await attacker.get("/chat/")).text
    assert "Todavía no hay mensajes." in seen  # the old id shows nothing of hers
    assert "Todavía no hay mensajes." not in (await victim.get("/chat/")).text


async def test_chats_never_linked_are_removed_with_their_rows_after_a_day(
    browsers: Browsers, container: Container, clock: FakeClock
) -> None:
    for n in range(3):
        await say(browsers("198.51.100.4"), f"/start ZZ{n:06d}")
    case = await a_case_with_code(container.uow)
    await say(browsers("203.0.113.50"), f"/start {case.code}")

    async def counts() -> tuple[int, int, int]:
        async with container.uow() as uow:
            sessions = await uow.session.scalar(select(func.count(ChatSession.id)))
            screens = await uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.channel == Channel.WEBCHAT)
            )
            updates = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
        return int(sessions or 0), int(screens or 0), int(updates or 0)

    before = await counts()
    assert before[0] == 4
    async with container.uow() as uow:
        assert await jobs.purge_anonymous_webchats(uow, clock.now) == 0  # not a day yet
        await uow.commit()
    clock.advance(days=1, minutes=1)
    async with container.uow() as uow:
        assert await jobs.purge_anonymous_webchats(uow, clock.now) == 3
        await uow.commit()
    sessions, screens, updates = await counts()
    assert sessions == 1 and 0 < screens < before[1] and updates == 0
    async with container.uow() as uow:
        link = await uow.session.scalar(select(ChatLink))
        assert link is not None and link.active  # the linked chat stays


def test_the_limits_default_to_ten_guesses_an_hour_per_address() -> None:
    limits = CodeGuessLimits()
    assert (limits.window, limits.per_address) == (timedelta(hours=1), 10)
