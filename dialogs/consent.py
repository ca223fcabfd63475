"""The consent gate: plain words, versioned and per purpose.

Until consent for messaging is in force on the current version, the chat offers only:
language, what Rumbo is, and talking to a person; nothing of the case is shown (not
even the alias). Consent is asked again when the text changes and at 18. A refusal is
respected: the chat stays linked, keeps nothing the adolescent writes, and the text
can be read again at any time.

Voice prompts: the consent screen names ``consent:<purpose>:<version>`` and its
details ``consent:<purpose>:<version>:details``; the transport sends a recording of
that key in the chat's language when one exists. The version is part of the key on
purpose: a recording of earlier words must not play beside new ones, so a new version
needs new recordings. "What Rumbo is" names ``about``.
"""

from __future__ import annotations

from dialogs import actions, labels, menu
from dialogs.common import Level, State, Turn, button
from dialogs.screens import Button
from locales import N_
from locales.core_strings import BACK, I_AGREE, MORE_DETAILS, TALK_TO_A_PERSON
from plan_store.enums import ConsentDecision, ConsentPurpose
from plan_store.services import consent

PURPOSE = ConsentPurpose.MESSAGING
ABOUT_VOICE_KEY = "about"

# Translators: the consent text (version 1), when staff have not published their
# own. "operadora": the adult in the home who looks after the adolescent.
SUMMARY = N_(
    "Lo que escribas aquí lo leen tu operadora y el equipo de tu casa, para ayudarte. "
    "No lo ve nadie más. Puedes dejar de usar Rumbo cuando quieras."
)
# Translators: the longer consent text (version 1), shown with "Más detalles".
DETAILS = N_(
    "Así funciona Rumbo:\n"
    "• Guardo tu apodo, tu edad, tu idioma, tus metas y tus citas.\n"
    "• Lo que escribes y tus audios se guardan con llave 🔒. Solo los leen tu operadora "
    "y el equipo de tu casa.\n"
    "• Si escribes algo que me hace pensar que estás en peligro, le aviso enseguida a una "
    "persona de tu equipo.\n"
    "• Puedes borrar este chat cuando quieras.\n"
    "• Puedes dejar Rumbo cuando quieras, en ⚙️ Privacidad. Si lo dejas, ya no te escribo "
    "y se borra lo que escribiste aquí."
)


def voice_key(version: int, *, details: bool = False) -> str:
    key = f"consent:{PURPOSE.value}:{version}"
    return f"{key}:details" if details else key


async def _texts(turn: Turn) -> tuple[int, str, str]:
    """The current version, its summary and its details in the chat's language."""
    t = turn.t
    version = await consent.current_version(turn.uow, PURPOSE)
    published = await consent.current_text(turn.uow, PURPOSE, turn.lang)
    if published is not None:
        return version, published.summary, published.details or published.summary
    return version, t.gettext(SUMMARY), t.gettext(DETAILS)


async def show(turn: Turn, note: str | None = None) -> None:
    """The consent screen (only for a linked chat)."""
    if turn.level is Level.UNLINKED:
        await turn.go_home(note)
        return
    if turn.level is Level.OPEN:
        await menu.show(turn, note)
        return
    t = turn.t
    turn.go(State.CONSENT)
    version, summary, _ = await _texts(turn)
    state = turn.consent_state
    if state is not None and state.decision is ConsentDecision.GIVEN:
        if state.needs_reconsent_at_18:
            # Translators: before the consent text, asked again when the adolescent turns 18.
            again = t.gettext("Ya cumpliste 18 🎉 Ahora decides tú. Léelo otra vez, por favor.")
        else:
            again = t.gettext(labels.WORDS_CHANGED)
        note = f"{note}\n\n{again}" if note else again
        leave = True
    else:
        leave = False
    # Translators: before the consent text.
    before = t.gettext("Antes de seguir:")
    # Translators: after the consent text; the buttons answer it.
    question = t.gettext("¿Estás de acuerdo?")
    text = f"{before}\n{summary}\n\n{question}"
    rows = _buttons(turn, version)
    if leave:
        # Asked again after saying yes before: leaving stays one tap away.
        rows.append([button(t.gettext(labels.LEAVE), actions.WITHDRAW)])
    turn.say(text, rows, note=note, voice_key=voice_key(version))


def _buttons(turn: Turn, version: int, *, details: bool = True) -> list[list[Button]]:
    t = turn.t
    first = [button(t.gettext(I_AGREE), actions.consent_yes(version))]
    if details:
        first.append(button(t.gettext(MORE_DETAILS), actions.CONSENT_MORE))
    return [
        first,
        [button(t.gettext(TALK_TO_A_PERSON), actions.PERSON)],
        [
            button(t.gettext(labels.NO_THANKS), actions.consent_no(version)),
            button(t.gettext(labels.LANGUAGE), actions.LANGUAGE),
        ],
    ]


async def details(turn: Turn) -> None:
    if turn.level is not Level.PENDING:
        await turn.stale()
        return
    turn.go(State.CONSENT)
    version, _, text = await _texts(turn)
    rows = _buttons(turn, version, details=False)
    rows.append([button(turn.t.gettext(BACK), actions.CONSENT)])
    turn.say(text, rows, voice_key=voice_key(version, details=True))


async def accept(turn: Turn, version: int) -> None:
    if turn.level is not Level.PENDING:
        await turn.stale()
        return
    if version != await consent.current_version(turn.uow, PURPOSE):
        await show(turn, turn.t.gettext(labels.WORDS_CHANGED))
        return
    assert turn.case is not None
    await consent.decide(
        turn.uow,
        turn.case,
        decision=ConsentDecision.GIVEN,
        language=turn.lang,
        channel=turn.channel,
        purpose=PURPOSE,
    )
    await turn.refresh()
    assert turn.case is not None
    # Translators: right after consent; {name} is the nickname the adolescent chose.
    note = turn.t.gettext("¡Gracias, {name}! 🙌 Ya podemos empezar.").format(name=turn.case.alias)
    await menu.show(turn, note)


async def refuse(turn: Turn, version: int) -> None:
    if turn.level is not Level.PENDING:
        await turn.stale()
        return
    assert turn.case is not None
    t = turn.t
    await consent.decide(
        turn.uow,
        turn.case,
        decision=ConsentDecision.REFUSED,
        language=turn.lang,
        channel=turn.channel,
        purpose=PURPOSE,
    )
    await turn.refresh()
    turn.go(State.CONSENT)
    # Translators: after the adolescent says no to consent. Respect the decision; no pressure.
    text = t.gettext(
        "Está bien. Es tu decisión 💛\n"
        "No guardo nada de lo que escribas aquí.\n"
        "Si cambias de idea, aquí estoy."
    )
    turn.say(
        text,
        [
            [button(t.gettext(labels.READ_AGAIN), actions.CONSENT)],
            [button(t.gettext(TALK_TO_A_PERSON), actions.PERSON)],
            [button(t.gettext(labels.LANGUAGE), actions.LANGUAGE)],
        ],
    )


async def about(turn: Turn) -> None:
    """What Rumbo is, in plain words: open to every chat."""
    t = turn.t
    # Translators: what Rumbo is, in plain words; open to anyone, before linking. "Rumbo" is the
    # bot's name: keep it. "operadora": the adult in the home who looks after the adolescent.
    text = t.gettext(
        "Rumbo es un chat de tu casa. 🧭\n"
        "Te ayuda con tu plan: tus metas, tus citas y hablar con tu operadora.\n"
        "Lo que escribes aquí lo lee el equipo de tu casa. Nadie más."
    )
    if turn.level is Level.UNLINKED:
        # Translators: added to what Rumbo is, for a chat not linked yet: staff give a one-time code
        # in person.
        text += "\n\n" + t.gettext("Para empezar necesitas el código que te da tu equipo.")
    turn.say(text, [[button(t.gettext(BACK), actions.MENU)]], voice_key=ABOUT_VOICE_KEY)
