"""Random event sequences never break the conversation.

Whatever arrives (random /start payloads, text with control characters, 10 000
characters, emoji, right-to-left text, random and forged actions, voice notes, time
passing), every event gets an answer, no screen is empty or over 4096 characters,
no action is over 64 bytes, and another adolescent's data never shows.

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

from dialogs import actions
from dialogs.events import Event, EventKind
from plan_store.crypto import generate_key
from plan_store.enums import Channel, ConsentDecision, RequestReason
from plan_store.models import Adolescent, Base
from plan_store.services import consent, linking
from rumbo.container import Container, build_container
from rumbo.settings import DatabaseSettings, Settings
from tests.conftest import FakeClock
from tests.dialogs.builders import World, a_world
from tests.dialogs.chat import Chat

FOREIGN = ("Zafiro", "Audiencia", "Juzgado", "Paso secreto")
BIG_TEXTS = (
    "a" * 10_000,
    "😀" * 10_000,
    "مرحبا، كيف حالك؟ " * 700,
    "\u202e" + "me quiero morir " * 700,
    "\x00\x01\x02\x1b[31m" * 2000,
    "ayúdame " * 1500,
)
ODD_CHARACTERS = ("\ud800", "\udfff", "\x00", "\x1b", "\u202e", "\u200f", "\ufeff", "\n")
FU_ANSWERS = ("housing:good", "health:bad", "wants_contact:yes", "health:yes", "x:y")
WORDS = (
    "menú",
    "/menu",
    "hola",
    "ayuda",
    "gracias",
    "idioma",
    "English",
    "/start",
    "/ayuda",
    "/privacidad",
    "me quiero morir",
    "me muero de risa",
    "ABCD2345",
    "abcd-2345",
)


@dataclass(frozen=True, slots=True)
class Advance:
    minutes: int


def action_strategy(world: World) -> st.SearchStrategy[str]:
    ids = st.sampled_from(
        [
            world.school,
            world.growth,
            world.zafiro_goal,
            world.zafiro_step,
            world.carpentry,
            world.doctor,
            world.zafiro_appointment,
            *world.school_steps,
            0,
            -1,
            10**20,
            2**31,
            2**31 - 1,
        ]
    )
    heads = st.sampled_from(
        [
            "goal",
            "goal:help",
            "step:done",
            "appt",
            "appt:ok",
            "appt:no",
            "appt:chg",
            "appt:skip:no",
            "appt:skip:chg",
            "appt:went",
            "appt:missed",
            "consent:yes",
            "consent:no",
            "fu",
        ]
    )
    fixed = st.sampled_from(
        [
            actions.MENU,
            actions.LANGUAGE,
            actions.language("en"),
            actions.language("quc"),
            actions.ABOUT,
            actions.HELP,
            actions.PERSON,
            actions.person_urgency(True),
            actions.person_urgency(False),
            actions.CONSENT,
            actions.CONSENT_MORE,
            actions.consent_yes(1),
            actions.consent_no(1),
            actions.GOALS,
            "goals:education",
            "goals:personal_growth",
            actions.APPOINTMENTS,
            actions.OPERATOR,
            actions.OPERATOR_NOW,
            *[actions.operator_reason(r) for r in RequestReason],
            *[actions.operator_skip(r) for r in RequestReason],
            *[actions.operator_urgency(r, u) for r in RequestReason for u in (True, False)],
            actions.PRIVACY,
            actions.CLEAR_CHAT,
            actions.WITHDRAW,
            actions.WITHDRAW_CONFIRMED,
        ]
    )
    return st.one_of(
        fixed,
        st.builds(lambda head, n: f"{head}:{n}", heads, ids),
        st.builds(lambda n, answer: f"fu:{n}:{answer}", ids, st.sampled_from(FU_ANSWERS)),
        st.text(max_size=80),
    )


def event_strategy(world: World) -> st.SearchStrategy[Event | Advance]:
    any_text = st.text(
        alphabet=st.one_of(st.characters(), st.sampled_from(ODD_CHARACTERS)),
        max_size=200,
    )
    texts = st.one_of(any_text, st.sampled_from(WORDS), st.sampled_from(BIG_TEXTS))
    return st.one_of(
        st.builds(Event.start, st.one_of(st.just(""), any_text, st.sampled_from(WORDS))),
        st.builds(Event.text, texts),
        st.builds(Event.choice, action_strategy(world)),
        st.builds(Event.voice_note, st.binary(max_size=64)),
        st.just(Event(EventKind.VOICE)),
        st.builds(Advance, st.integers(min_value=1, max_value=60 * 24 * 10)),
    )


async def _setup(directory: Path, clock: FakeClock) -> tuple[Container, World]:
    configured = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{directory / 'fuzz.sqlite3'}"),
        data_key=generate_key(),
        secret_key="s" * 40,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = build_container(configured, clock=clock)
    async with container.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return container, await a_world(container)


async def _prelude(container: Container, world: World, chat_id: str, how: str) -> None:
    if how == "unlinked":
        return
    async with container.uow() as uow:
        code = await linking.issue_code(uow, world.laura, world.luna)
        await linking.redeem_code(uow, Channel.TELEGRAM, chat_id, code)
        if how == "consented":
            case = await uow.session.get(Adolescent, world.luna)
            assert case is not None
            await consent.decide(
                uow, case, decision=ConsentDecision.GIVEN, language="es", channel=Channel.TELEGRAM
            )
        await uow.commit()


async def _play(
    container: Container,
    world: World,
    clock: FakeClock,
    chat_id: str,
    how: str,
    events: list[Event | Advance],
) -> None:
    await _prelude(container, world, chat_id, how)
    chat = Chat(container, chat_id=chat_id)
    for event in events:
        if isinstance(event, Advance):
            clock.advance(minutes=event.minutes)
            continue
        await chat.event(event)  # checks the screen limits and re-raises any error
    for word in FOREIGN:
        assert not chat.saw_anywhere(word), word


def test_random_event_sequences_never_break_the_conversation() -> None:
    clock = FakeClock(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    chats = itertools.count(1000)
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as tmp:
        container, world = loop.run_until_complete(_setup(Path(tmp), clock))
        try:

            @settings(
                max_examples=120,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(
                how=st.sampled_from(["unlinked", "linked", "consented"]),
                events=st.lists(event_strategy(world), min_size=1, max_size=10),
            )
            def play(how: str, events: list[Event | Advance]) -> None:
                chat_id = str(next(chats))
                loop.run_until_complete(_play(container, world, clock, chat_id, how, events))

            play()
        finally:
            loop.run_until_complete(container.aclose())
            loop.close()
