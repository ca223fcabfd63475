"""The request to the operator keeps whatever the adolescent typed, however they go on.

Typed text instead of a tap on "¿Es urgente?" becomes part of the request (as urgent
as triage reads it); an older button higher in the chat never drops what was typed;
a text longer than what is kept is not cut silently. What the console shows is read
with the console's own query for the case page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogs import actions
from plan_store.enums import RequestReason, Urgency
from plan_store.models import OperatorRequest
from plan_store.services import messages, requests
from rumbo.container import Container
from rumbo.settings import Settings
from staff_console.queries.case import CasePage, case_page
from tests.configured import configured
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat
from tests.dialogs.on_duty import beto_on_duty


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An installation that sends alerts by email."""
    return configured(settings, smtp={"host": "127.0.0.1"})


@pytest.fixture(autouse=True)
async def someone_on_duty(container: Container, world: World) -> None:
    """Beto is on duty and reachable by email, so an urgent request really tells someone."""
    await beto_on_duty(container, world, reachable="email")


async def console_view(container: Container, world: World) -> CasePage:
    async with container.uow() as uow:
        page = await case_page(uow, world.laura, world.luna, timeline_limit=100)
        await uow.commit()
        return page


async def open_requests(container: Container) -> list[tuple[RequestReason, Urgency, str]]:
    async with container.uow() as uow:
        rows = await uow.session.scalars(select(OperatorRequest).order_by(OperatorRequest.id))
        return [(r.reason, r.urgency, requests.message_of(uow, r)) for r in rows]


async def test_typing_instead_of_answering_the_urgency_sends_both_texts(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("✏️ Otra cosa")
    await chat.send("quiero cambiar de escuela")
    assert chat.sees("¿Es urgente?")
    await chat.send("es que no me gusta la de ahora")
    assert chat.sees("Listo. Le avisé a Laura.", "Si es urgente, toca el botón.")
    assert chat.does_not_see("¿Es urgente?")
    assert await open_requests(container) == [
        (
            RequestReason.OTHER,
            Urgency.NORMAL,
            "quiero cambiar de escuela\nes que no me gusta la de ahora",
        )
    ]
    page = await console_view(container, world)
    assert [rv.message for rv in page.open_requests] == [
        "quiero cambiar de escuela\nes que no me gusta la de ahora"
    ]
    assert [e.body for e in reversed(page.timeline)] == [
        "quiero cambiar de escuela",
        "es que no me gusta la de ahora",
    ]


async def test_a_typed_request_can_still_be_made_urgent(container: Container, chat: Chat) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.tap("⏭️ Saltar")
    await chat.send("necesito hablar con alguien")
    await chat.tap("🔴 Sí, es urgente")
    assert chat.sees("Le estoy avisando ahora a Beto.")
    assert [urgency for _, urgency, _ in await open_requests(container)] == [
        Urgency.NORMAL,
        Urgency.URGENT,
    ]


async def test_risk_typed_instead_of_the_urgency_makes_the_request_urgent(
    container: Container, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("⚠️ Pasó algo")
    await chat.send("pasó algo en la casa")
    await chat.send("ya no quiero despertar")
    assert chat.screens[0].text.startswith("Gracias por contármelo.")
    assert chat.sees("Le estoy avisando ahora a Beto.", "911")
    assert await open_requests(container) == [
        (
            RequestReason.SOMETHING_HAPPENED,
            Urgency.URGENT,
            "pasó algo en la casa\nya no quiero despertar",
        )
    ]


async def test_an_older_urgency_button_answers_the_waiting_request(
    container: Container, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("📄 Mis papeles")
    await chat.tap("⏭️ Saltar")
    old_urgent = chat.button("🔴 Sí, es urgente").action  # an earlier question, higher up
    await chat.tap("🟢 Puede esperar")
    await chat.press(actions.OPERATOR)
    await chat.tap("✏️ Otra cosa")
    await chat.send("quiero cambiar de escuela")
    assert chat.sees("¿Es urgente?")
    await chat.press(old_urgent)
    assert chat.sees("Le estoy avisando ahora a Beto.")
    assert await open_requests(container) == [
        (RequestReason.PAPERS, Urgency.NORMAL, ""),
        (RequestReason.OTHER, Urgency.URGENT, "quiero cambiar de escuela"),
    ]


async def test_any_other_older_button_sends_what_was_typed_first(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    old_reason = chat.button("🎯 Una meta").action
    await chat.tap("✏️ Otra cosa")
    await chat.send("quiero cambiar de escuela")
    await chat.press(actions.appointment(world.carpentry))  # a reminder's button
    assert chat.screens[0].text == "Le pasé tu mensaje a Laura."
    assert chat.sees("taller de carpintería")
    await chat.press(old_reason)
    assert await open_requests(container) == [
        (RequestReason.OTHER, Urgency.NORMAL, "quiero cambiar de escuela")
    ]


async def test_an_older_skip_button_keeps_what_was_typed(container: Container, chat: Chat) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    skip = chat.button("⏭️ Saltar").action
    await chat.send("me siento rara")
    await chat.press(skip)
    assert chat.sees("¿Es urgente?")
    await chat.tap("🟢 Puede esperar")
    assert await open_requests(container) == [
        (RequestReason.TALK, Urgency.NORMAL, "me siento rara")
    ]


async def test_a_typed_command_while_the_urgency_is_asked_still_sends_the_message(
    container: Container, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    await chat.send("hoy me fue mal en la escuela")
    await chat.send("menú")
    assert chat.sees("Le pasé tu mensaje a Laura.", "¿Qué quieres hacer, Luna?")
    assert await open_requests(container) == [
        (RequestReason.TALK, Urgency.NORMAL, "hoy me fue mal en la escuela")
    ]


async def test_a_message_longer_than_what_is_kept_is_told_and_marked(
    container: Container, world: World, chat: Chat
) -> None:
    text = "me pasó esto: " + "bla " * 3000 + "fin"  # 12 017 characters
    await chat.send(text)
    assert chat.sees(f"Tu mensaje era muy largo ({len(text)} letras).")
    page = await console_view(container, world)
    [entry] = page.timeline
    assert entry.body == text[: messages.MAX_BODY]
    assert entry.original_length == len(text)


async def test_a_long_message_for_the_operator_is_told_and_the_request_says_so(
    container: Container, world: World, chat: Chat
) -> None:
    await chat.tap("🙋 Hablar con Laura")
    await chat.tap("💬 Solo platicar")
    first, second = "a" * 6000, "b" * 6000
    await chat.send(first)
    await chat.send(second)
    assert chat.sees("en tu solicitud van las primeras 10000")
    page = await console_view(container, world)
    [request] = page.open_requests
    assert request.request.original_length == len(first) + 1 + len(second)
    assert request.message == (first + "\n" + second)[: requests.MAX_MESSAGE]
    assert sorted(e.body for e in page.timeline) == [first, second]  # each text whole
