"""Linking a chat with the one-time code: typed, in a sentence, or by deep link."""

from __future__ import annotations

import re

from sqlalchemy import select

from plan_store.models import ChatLink, ChatSession
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.dialogs.builders import World, a_world, new_code
from tests.dialogs.chat import Chat

WRONG = "ABCD2345"


async def a_chat_at_the_code_prompt(container: Container, chat_id: str = "100") -> Chat:
    chat = Chat(container, chat_id=chat_id)
    await chat.start()
    await chat.tap("Español")
    return chat


async def test_a_wrong_code_is_answered_kindly(container: Container) -> None:
    await a_world(container)
    chat = await a_chat_at_the_code_prompt(container)
    await chat.send(WRONG)
    assert chat.sees("Ese código no me funciona. Revisa las letras y escríbelo otra vez.")
    assert chat.has_button("🙋 Hablar con una persona")
    assert chat.last.adolescent_id is None


async def test_a_used_code_is_answered_kindly(container: Container, world: World) -> None:
    first = Chat(container, chat_id="100")
    await first.start(world.code)
    second = await a_chat_at_the_code_prompt(container, "200")
    await second.send(world.code)
    assert second.sees("Ese código ya se usó. Pide uno nuevo a tu equipo")
    assert second.last.adolescent_id is None


async def test_an_expired_code_is_answered_kindly(
    container: Container, world: World, clock: FakeClock
) -> None:
    clock.advance(days=8)
    chat = await a_chat_at_the_code_prompt(container)
    await chat.send(world.code.lower())
    assert chat.sees("Ese código ya venció. Pide uno nuevo a tu equipo")


async def test_repeated_wrong_codes_slow_the_chat_down(
    container: Container, world: World, clock: FakeClock
) -> None:
    chat = await a_chat_at_the_code_prompt(container)
    for _ in range(4):
        await chat.send(WRONG)
        assert chat.sees("Ese código no me funciona.")
    await chat.send(world.code)  # even the right code must wait now
    assert chat.sees("Espera unos minutos y vuelve a intentar.")
    assert not re.search(r"\d", chat.text), "no detail about how long"
    clock.advance(minutes=3)
    await chat.send(world.code)
    assert chat.sees("Listo, ya estamos conectados ✅")
    async with container.uow() as uow:
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None
        assert session.failed_code_attempts == 0


async def test_the_code_is_found_however_it_is_typed(container: Container, world: World) -> None:
    spaced = f"{world.code[:4].lower()} - {world.code[4:]}"
    chat = await a_chat_at_the_code_prompt(container)
    await chat.send(spaced)
    assert chat.sees("Listo, ya estamos conectados ✅")

    other = Chat(container, chat_id="200")
    await other.start()
    await other.tap("Español")
    code = await new_code(container, world.laura, world.luna)
    if any(ch.isdigit() for ch in code):
        await other.send(f"hola, mi código es {code} gracias")
    else:
        await other.send(code)
    assert other.sees("Listo, ya estamos conectados ✅")


async def test_a_code_typed_before_choosing_a_language_links(
    container: Container, world: World
) -> None:
    chat = Chat(container)
    await chat.send(world.code)
    assert chat.sees("Listo, ya estamos conectados ✅", "¿Estás de acuerdo?")


async def test_text_that_is_no_code_asks_for_the_code_again(container: Container) -> None:
    await a_world(container)
    chat = await a_chat_at_the_code_prompt(container)
    await chat.send("no tengo código")
    assert chat.sees("No entendí.", "escribe aquí el código")
    async with container.uow() as uow:
        session = await uow.session.scalar(select(ChatSession))
        assert session is not None and session.failed_code_attempts == 0


async def test_a_deep_link_with_a_wrong_code_keeps_a_linked_chat(
    container: Container, world: World
) -> None:
    chat = Chat(container)
    await chat.start(world.code)
    await chat.tap("✅ Acepto")
    await chat.start(WRONG)
    assert chat.sees("Ese código no me funciona.")
    assert chat.last.adolescent_id == world.luna
    async with container.uow() as uow:
        links = list(await uow.session.scalars(select(ChatLink).where(ChatLink.active)))
        assert len(links) == 1
