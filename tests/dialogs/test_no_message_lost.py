"""No message is lost: whatever state the conversation is in, every text a linked,
consenting adolescent types ends up as a message the console shows.

Random sequences of events (typed text, the buttons of the last answer, buttons
tapped earlier higher in the chat, forged and reminder buttons, voice notes, /start,
time passing), from a chat linked to Luna's case with consent given. Before each
text, the test asks the conversation whether the chat is open (linked, consent in
force: withdrawing consent is one of the buttons); at the end, the case page of the
console lists exactly those texts, in order (a text longer than what is kept, by
its start, marked with its length). A text typed while a complaint waits for her
words is that complaint's: the console shows it to the home's coordinator, in its
list of complaints, and deliberately not to Laura, whom the complaint may be about.

Driven from a synchronous test with its own event loop: hypothesis and
pytest-asyncio each want to own the loop.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import actions, conversation
from dialogs.common import State, Turn, clean
from dialogs.events import Event, EventKind
from plan_store.crypto import generate_key
from plan_store.enums import (
    Channel,
    ConsentDecision,
    MessageDirection,
    MessageKind,
    RequestReason,
    Role,
)
from plan_store.models import Adolescent, Base, Home
from plan_store.services import concerns, consent, linking, messages
from plan_store.services.access import StaffActor
from rumbo.container import Container, build_container
from rumbo.settings import DatabaseSettings, Settings
from staff_console.queries.case import case_page
from tests.builders import a_staff_member
from tests.conftest import FakeClock
from tests.dialogs.builders import World, a_world
from tests.dialogs.chat import Chat

TYPED = (
    "quiero cambiar de escuela",
    "hola",
    "gracias",
    "menú",
    "/menu",
    "/ayuda",
    "idioma",
    "English",
    "ayuda",
    "me quiero morir",
    "ya no quiero despertar",
    "no quiero ir a la escuela",
    "me muero de hambre",
    "Tengo examen ese día",
    "/start",
    "ABCD2345",
    "x" * 12_000,
)


@dataclass(frozen=True, slots=True)
class Tap:
    """A button of the last answer, by position."""

    index: int


@dataclass(frozen=True, slots=True)
class TapEarlier:
    """A button seen earlier in the chat, by position among all seen."""

    index: int


@dataclass(frozen=True, slots=True)
class Advance:
    minutes: int


Step = Event | Tap | TapEarlier | Advance


def step_strategy(world: World) -> st.SearchStrategy[Step]:
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120)
    fixed = st.sampled_from(
        [
            actions.MENU,
            actions.OPERATOR,
            actions.OPERATOR_NOW,
            *[actions.operator_reason(r) for r in RequestReason],
            *[actions.operator_skip(r) for r in RequestReason],
            *[actions.operator_urgency(r, u) for r in RequestReason for u in (True, False)],
            actions.cannot_go(world.carpentry),
            actions.change(world.doctor),
            actions.appointment(world.carpentry),
            actions.GOALS,
            actions.LANGUAGE,
            actions.PRIVACY,
            actions.CLEAR_CHAT,
            actions.WITHDRAW,
            actions.WITHDRAW_CONFIRMED,
            actions.PERSON,
        ]
    )
    return st.one_of(
        st.builds(Event.text, st.one_of(st.sampled_from(TYPED), text)),
        st.builds(Tap, st.integers(min_value=0, max_value=20)),
        st.builds(TapEarlier, st.integers(min_value=0, max_value=200)),
        st.builds(Event.choice, fixed),
        st.builds(Event.voice_note, st.binary(min_size=1, max_size=32)),
        st.builds(Event.start, st.sampled_from(["", "hola"])),
        st.builds(Advance, st.integers(min_value=1, max_value=60 * 24 * 3)),
    )


async def _setup(directory: Path, clock: FakeClock) -> tuple[Container, World]:
    configured = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{directory / 'lost.sqlite3'}"),
        data_key=generate_key(),
        secret_key="s" * 40,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = build_container(configured, clock=clock)
    async with container.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    # Withdrawal keeps the words for the home's retention period: a year here.
    return container, await a_world(container, retention_days=365)


async def _coordinator(container: Container, world: World) -> StaffActor:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home_id)
        marta = await a_staff_member(uow, home, "marta", Role.COORDINATOR)
        await uow.commit()
        return marta


async def _consented_chat(container: Container, world: World, chat_id: str) -> None:
    async with container.uow() as uow:
        code = await linking.issue_code(uow, world.laura, world.luna)
        await linking.redeem_code(uow, Channel.TELEGRAM, chat_id, code)
        case = await uow.session.get(Adolescent, world.luna)
        assert case is not None
        await consent.decide(
            uow, case, decision=ConsentDecision.GIVEN, language="es", channel=Channel.TELEGRAM
        )
        await uow.commit()


async def _where_text_goes(container: Container, chat_id: str, text: str) -> str | None:
    """None when the chat is not open; "concern" when a complaint waits for her words
    (and she did not type a command, which leaves it); else "timeline"."""
    async with container.uow() as uow:
        turn = await Turn.begin(uow, Channel.TELEGRAM, chat_id)
        if not turn.is_open:
            return None
        words = turn.state == State.CONCERN_MESSAGE and not conversation.is_command(text)
        return "concern" if words else "timeline"


async def _complaint_texts(container: Container, reader: StaffActor, after_id: int) -> list[str]:
    async with container.uow() as uow:
        found = await concerns.listing(uow, reader, limit=10_000)
        kept = sorted((c for c, _ in found if c.id > after_id), key=lambda c: c.id)
        return [text for text in (concerns.text_of(uow, c) for c in kept) if text]


async def _last_complaint_id(container: Container, reader: StaffActor) -> int:
    async with container.uow() as uow:
        found = await concerns.listing(uow, reader, limit=10_000)
        return max((c.id for c, _ in found), default=0)


async def _console_texts(container: Container, world: World, after_id: int) -> list[str]:
    async with container.uow() as uow:
        page = await case_page(uow, world.laura, world.luna, timeline_limit=200)
        await uow.commit()
    shown = [
        e
        for e in reversed(page.timeline)
        if e.id > after_id and e.direction is MessageDirection.INBOUND
    ]
    for entry in shown:
        cut = entry.original_length is not None
        assert cut == (len(entry.body) == messages.MAX_BODY and entry.original_length is not None)
    return [e.body for e in shown if e.kind is MessageKind.TEXT]


async def _last_message_id(container: Container, world: World) -> int:
    async with container.uow() as uow:
        page = await case_page(uow, world.laura, world.luna, timeline_limit=1)
        await uow.commit()
    return page.timeline[0].id if page.timeline else 0


async def _play(
    container: Container,
    world: World,
    coordinator: StaffActor,
    clock: FakeClock,
    chat_id: str,
    steps: list[Step],
) -> None:
    await _consented_chat(container, world, chat_id)
    before = await _last_message_id(container, world)
    complaints_before = await _last_complaint_id(container, coordinator)
    chat = Chat(container, chat_id=chat_id)
    seen: list[str] = []
    expected: list[str] = []
    complaints: list[str] = []
    for step in steps:
        if isinstance(step, Advance):
            clock.advance(minutes=step.minutes)
            continue
        if isinstance(step, Tap | TapEarlier):
            pool = chat.actions if isinstance(step, Tap) else seen
            if not pool:
                continue
            event = Event.choice(pool[step.index % len(pool)])
        else:
            event = step
        typed = clean(event.data) if event.kind is EventKind.TEXT else ""
        goes = await _where_text_goes(container, chat_id, typed) if typed else None
        if goes == "timeline":
            expected.append(typed[: messages.MAX_BODY])
        elif goes == "concern":
            complaints.append(typed)
        await chat.event(event)
        seen.extend(chat.actions)
    assert await _console_texts(container, world, before) == expected
    assert await _complaint_texts(container, coordinator, complaints_before) == complaints


def test_every_text_a_consenting_adolescent_types_reaches_the_console() -> None:
    clock = FakeClock(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    chats = itertools.count(5000)
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as tmp:
        container, world = loop.run_until_complete(_setup(Path(tmp), clock))
        coordinator = loop.run_until_complete(_coordinator(container, world))
        try:

            @settings(
                max_examples=60,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(steps=st.lists(step_strategy(world), min_size=1, max_size=14))
            def play(steps: list[Step]) -> None:
                chat_id = str(next(chats))
                loop.run_until_complete(_play(container, world, coordinator, clock, chat_id, steps))

            play()
        finally:
            loop.run_until_complete(container.aclose())
            loop.close()
