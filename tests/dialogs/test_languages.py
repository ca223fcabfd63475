"""An adolescent chooses each language and walks consent and the menu in it.

What the chat shows comes from the chosen language's catalog wherever it has a usable
translation, and Spanish fills only the gaps: never an empty text or button, never a
placeholder left unfilled. Every screen carries the chat's language (for its voice
prompt), and consent and the menu name their voice prompts.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import dialogs.common
from dialogs import consent, labels
from dialogs.screens import Button, Screen
from locales import LANGUAGES, language, load_translator, translator
from locales.catalogs import po_path
from locales.core_strings import (
    CHOOSE_LANGUAGE,
    I_AGREE,
    MORE_DETAILS,
    MY_APPOINTMENTS,
    MY_GOALS,
    PRIVACY,
    TALK_TO_A_PERSON,
    WELCOME,
)
from locales.tooling import read_template
from rumbo.container import Container
from tests.dialogs.builders import World, a_world
from tests.dialogs.chat import Chat

CODES = [lang.code for lang in LANGUAGES]
NATIVE = {lang.code: lang.native_name for lang in LANGUAGES}

CONNECTED = "Listo, ya estamos conectados ✅"
BEFORE = "Antes de seguir:"
QUESTION = "¿Estás de acuerdo?"
THANKED = "¡Gracias, {name}! 🙌 Ya podemos empezar."
MENU_QUESTION = "¿Qué quieres hacer, {name}?"
TALK_TO = "🙋 Hablar con {name}"
ASK_CODE = "Para empezar, escribe aquí el código que te dio tu equipo. Son 8 letras y números."
HELLO = "Hola 👋"


@functools.cache
def catalog_strings(code: str) -> dict[tuple[str | None, str], str]:
    """The usable translations of ``code``'s catalog on disk: (context, msgid) -> msgstr."""
    with po_path(code).open("rb") as handle:
        catalog = read_po(handle)
    return {
        (m.context, m.id): m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
        if not m.fuzzy
    }


def shown(code: str, msgid: str) -> str:
    """What a chat in ``code`` must show for ``msgid``: the catalog's words if it has
    them, else the Spanish text."""
    return catalog_strings(code).get((None, msgid), msgid)


def check_screens(chat: Chat, code: str) -> None:
    for screen in chat.screens:
        assert screen.language == code
        assert screen.text.strip() and "{" not in screen.text, screen.text
        for button in screen.all_buttons:
            assert button.label.strip() and "{" not in button.label


@pytest.mark.parametrize("code", CODES)
async def test_an_adolescent_walks_consent_and_the_menu_in_each_language(
    container: Container, world: World, code: str
) -> None:
    chat = Chat(container, chat_id=f"lang-{code}")

    await chat.start()
    assert chat.sees(WELCOME, CHOOSE_LANGUAGE)  # before a choice: Spanish
    assert chat.screens[-1].voice_key == "welcome"
    # No Mayan core set is reviewed in the catalogs: the menu says so.
    assert chat.labels == [
        f"{lang.native_name} — en preparación" if lang.needs_review else lang.native_name
        for lang in LANGUAGES
    ]

    await chat.tap(NATIVE[code])
    check_screens(chat, code)
    assert chat.sees(shown(code, ASK_CODE))
    partial = [s for s in chat.screens if s.voice_key == "partial"]
    assert len(partial) == (1 if language(code).needs_review else 0)

    await chat.send(world.code)
    check_screens(chat, code)
    assert chat.sees(
        shown(code, CONNECTED),
        shown(code, BEFORE),
        shown(code, consent.SUMMARY),
        shown(code, QUESTION),
    )
    assert (chat.screens[-1].voice_key, chat.screens[-1].language) == ("consent:messaging:1", code)
    for label in (I_AGREE, MORE_DETAILS, TALK_TO_A_PERSON, labels.NO_THANKS, labels.LANGUAGE):
        assert shown(code, label) in chat.labels

    await chat.tap(shown(code, MORE_DETAILS))
    check_screens(chat, code)
    assert chat.sees(shown(code, consent.DETAILS))
    assert chat.screens[-1].voice_key == "consent:messaging:1:details"

    await chat.tap(shown(code, I_AGREE))
    check_screens(chat, code)
    assert chat.sees(
        shown(code, THANKED).format(name="Luna"), shown(code, MENU_QUESTION).format(name="Luna")
    )
    assert (chat.screens[-1].voice_key, chat.screens[-1].language) == ("menu", code)
    assert chat.labels == [
        shown(code, MY_GOALS),
        shown(code, MY_APPOINTMENTS),
        shown(code, TALK_TO).format(name="Laura"),
        shown(code, PRIVACY),
        shown(code, labels.HELP),
        shown(code, labels.LANGUAGE),
    ]

    await chat.tap(shown(code, MY_GOALS))
    check_screens(chat, code)
    assert chat.sees(shown(code, labels.GOALS_TITLE))

    await chat.send("/start")  # coming back later: a hello in the chat's language
    check_screens(chat, code)
    assert chat.sees(shown(code, HELLO), shown(code, MENU_QUESTION).format(name="Luna"))


async def test_english_is_english_throughout_consent_and_the_menu(
    container: Container, world: World
) -> None:
    chat = Chat(container, chat_id="english")
    await chat.start()
    await chat.tap("English")
    await chat.send(world.code)
    assert chat.sees("Do you agree?")
    await chat.tap("✅ I agree")
    assert chat.sees("What do you want to do, Luna?")
    assert chat.labels == [
        "🎯 My goals",
        "📅 My appointments",
        "🙋 Talk to Laura",
        "⚙️ Privacy",
        "❓ Help",
        "🌐 Language",
    ]
    after_choosing = [screen.text for reply in chat.history[1:] for screen in reply.screens]
    for text in after_choosing:
        for word in ("Acepto", "¿Qué quieres", "Mis metas", "Antes de seguir", "código"):
            assert word not in text, text


async def test_a_mayan_language_chat_shows_its_draft_greeting(container: Container) -> None:
    """Q'eqchi' has a draft for "Hola 👋": the chat shows it, and Spanish elsewhere."""
    assert catalog_strings("kek")[None, HELLO] == "Chan xawil 👋"
    world = await a_world(container)
    chat = Chat(container, chat_id="kek")
    await chat.start()
    await chat.tap("Q'eqchi'")
    await chat.send(world.code)
    await chat.tap("✅ Acepto")
    await chat.send("/start")
    assert chat.sees("Chan xawil 👋", "¿Qué quieres hacer, Luna?")
    assert chat.does_not_see("Hola 👋")


TEST_CATALOG = """\
msgid ""
msgstr ""
"Language: quc\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

# draft: test-only wording, marked so that no one takes it for K'iche'
msgid "¿Estás de acuerdo?"
msgstr "«quc» ¿Estás de acuerdo?"

msgid "✅ Acepto"
msgstr "✅ «quc» Acepto"

msgid "¿Qué quieres hacer, {name}?"
msgstr "«quc» {name}, ¿qué quieres hacer?"

# A translation that lost its placeholder is not used.
msgid "¡Gracias, {name}! 🙌 Ya podemos empezar."
msgstr "«quc» ¡Gracias!"

# An empty translation is a gap.
msgid "🎯 Mis metas"
msgstr ""

#, fuzzy
msgid "📅 Mis citas"
msgstr "«quc» citas (fuzzy: never shown)"
"""


async def test_drafts_are_shown_where_they_exist_and_spanish_fills_every_gap(
    container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a test-only K'iche' catalog: its usable entries are shown, and missing,
    empty, fuzzy and broken ones fall back to the Spanish text."""
    po = po_path("quc", tmp_path)
    po.parent.mkdir(parents=True)
    po.write_text(textwrap.dedent(TEST_CATALOG), encoding="utf-8")
    drafts = load_translator("quc", directory=tmp_path)
    monkeypatch.setattr(
        dialogs.common, "translator", lambda code: drafts if code == "quc" else translator(code)
    )
    world = await a_world(container)
    chat = Chat(container, chat_id="quc-drafts")
    await chat.start()
    await chat.tap("K'iche'")
    await chat.send(world.code)
    assert chat.sees("«quc» ¿Estás de acuerdo?", consent.SUMMARY)  # draft, and a gap in Spanish
    assert "✅ «quc» Acepto" in chat.labels and "ℹ️ Más detalles" in chat.labels

    await chat.tap("✅ «quc» Acepto")
    assert chat.sees("¡Gracias, Luna! 🙌 Ya podemos empezar.", "«quc» Luna, ¿qué quieres hacer?")
    assert chat.labels[:2] == ["🎯 Mis metas", "📅 Mis citas"]
    assert chat.screens[-1].language == "quc"


@pytest.mark.parametrize("code", CODES)
def test_every_message_has_words_in_every_language(code: str) -> None:
    """For each message of the template: a non-empty text that is either the catalog's
    usable translation or the Spanish msgid, in the singular and the plural."""
    t = translator(code)
    usable = catalog_strings(code)
    for message in read_template():
        if not message.id:
            continue
        if isinstance(message.id, str):
            text = (
                t.pgettext(message.context, message.id)
                if message.context
                else t.gettext(message.id)
            )
            assert text.strip(), message.id
            assert text in (message.id, usable.get((message.context, message.id))), text
        else:
            singular, plural = message.id[0], message.id[1]
            for n in (1, 2, 5):
                text = t.ngettext(singular, plural, n)
                assert text.strip(), (singular, n)


def test_a_screen_keeps_its_language_and_voice_key_through_the_outbox_payload() -> None:
    screen = Screen("Ch'a'ab'ej", ((Button("🎯", "goals"),),), voice_key="menu", language="kek")
    payload = screen.to_payload()
    assert (payload["voice_key"], payload["language"]) == ("menu", "kek")
    assert Screen.from_payload(payload) == screen
    # Rows written before screens had a language read as Spanish's (None).
    assert Screen.from_payload({"text": "hola", "buttons": []}).language is None
    assert Screen.from_payload({"text": "hola", "language": 7}).language is None
