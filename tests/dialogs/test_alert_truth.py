"""The chat says a person is being told only when one really is.

Every path on which the bot tells the adolescent that someone is being told now:
a risky message, a risky message typed for the operator, an urgent request from the
menu, "🔴 Hablar con … ya" under a safety answer, and "talk to a person" before
consent. For each, with somebody reachable on duty and with nobody, the reply either
names people an alert really reaches (a Telegram chat or an email), or it does not say
anybody is being told.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from dialogs import actions
from plan_store.models import Alert
from plan_store.services import alert_recipients, linking
from rumbo.container import Container
from rumbo.settings import Settings
from tests.configured import configured
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat
from tests.dialogs.on_duty import NOBODY, TELLING, beto_on_duty


async def risky_message(chat: Chat, world: World) -> None:
    await chat.send("me quiero morir")


async def risky_message_for_the_operator(chat: Chat, world: World) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("⚠️ Pasó algo")
    await chat.send("ya no aguanto, me quiero morir")


async def urgent_request(chat: Chat, world: World) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.tap("⏭️ Saltar")
    await chat.tap("🔴 Sí, es urgente")


async def talk_now_under_the_safety_answer(chat: Chat, world: World) -> None:
    await chat.send("me quiero morir")
    await chat.tap("🔴 Hablar con Laura ya")


async def a_person_before_consent(chat: Chat, world: World) -> None:
    fresh = Chat(chat.container, chat_id="200")
    await fresh.start(await a_new_code(chat.container, world))
    await fresh.press(actions.MENU)
    await fresh.tap("🙋 Hablar con una persona")
    await fresh.tap("🔴 Sí, es urgente")
    chat.last, chat.history = fresh.last, fresh.history


async def a_risky_message_before_consent(chat: Chat, world: World) -> None:
    fresh = Chat(chat.container, chat_id="200")
    await fresh.start(await a_new_code(chat.container, world))
    await fresh.send("me quiero morir")
    await fresh.tap("🙋 Hablar con una persona")
    chat.last, chat.history = fresh.last, fresh.history


async def a_new_code(container: Container, world: World) -> str:
    """Zafiro's code: his chat is linked, his consent not given yet."""
    async with container.uow() as uow:
        code = await linking.issue_code(uow, world.beto, world.zafiro)
        await uow.commit()
        return code


PATHS: dict[str, Callable[[Chat, World], Awaitable[None]]] = {
    "risky message": risky_message,
    "risky message for the operator": risky_message_for_the_operator,
    "urgent request": urgent_request,
    "talk now": talk_now_under_the_safety_answer,
    "a person before consent": a_person_before_consent,
    "a risky message before consent": a_risky_message_before_consent,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An installation that sends alerts by email."""
    return configured(settings, smtp={"host": "127.0.0.1"})


@pytest.mark.parametrize("path", PATHS, ids=list(PATHS))
@pytest.mark.parametrize(
    "someone", ["reachable by email", "on a console page", "on duty, no channel", "nobody"]
)
async def test_the_bot_says_someone_is_told_only_when_an_alert_reaches_someone(
    container: Container, world: World, chat: Chat, path: str, someone: str
) -> None:
    if someone != "nobody":
        ways = {"reachable by email": "email", "on a console page": "console"}
        await beto_on_duty(container, world, reachable=ways.get(someone, ""))

    await PATHS[path](chat, world)

    said = "\n".join(screen.text for reply in chat.history for screen in reply.screens)
    async with container.uow() as uow:
        (alert,) = await uow.session.scalars(select(Alert))
        told = [s.display_name for s in await alert_recipients.told(uow, alert.id)]
    if someone in ("reachable by email", "on a console page"):
        assert told == ["Beto Ruiz"]
        assert TELLING in said
        if "before consent" not in path:  # names are for a consenting chat only
            assert f"{TELLING} Beto." in said
        assert NOBODY not in said
    else:
        assert told == []
        assert TELLING not in said and NOBODY in said
