"""A language that is not ready yet, and asking for someone who speaks it.

A Mayan language is ready when every message of its core set is reviewed by a
speaker (``plan_store.services.translations.core_ready``). Until then the menu names
it as in preparation (or leaves it out: an installation setting), and a chat that
picks it is told, in Spanish where the words are not translated and with the
language's own recording (voice key ``partial``) when there is one, that some
screens are still in Spanish and that it can ask for a person who speaks its
language: a request that goes to the staff of the home who speak it.
"""

from __future__ import annotations

from dialogs import actions
from dialogs.common import Level, Turn, button
from locales import N_, language
from plan_store.enums import RequestReason, Urgency
from plan_store.services import requests, staff_languages

VOICE_KEY = "partial"

# Translators: button; asks for an adult of the home who speaks the adolescent's language.
ASK_SPEAKER = N_("🗣️ Alguien que hable mi idioma")


def offered(code: str) -> bool:
    """Whether a language needs a speaker's help: one that needs review (Mayan)."""
    return language(code).needs_review


async def tell_partial(turn: Turn) -> None:
    """After picking a language whose core set is not reviewed yet."""
    t = turn.t
    name = language(turn.lang).native_name
    # Translators: after choosing a language that is not fully translated yet; {language}
    # is its name, written in itself (K'iche', Mam, ...).
    text = t.gettext(
        "{language} todavía está en preparación: algunas pantallas siguen en español."
    ).format(language=name)
    if turn.level is Level.UNLINKED:
        # Translators: after the language is in preparation, before the chat is linked.
        more = t.gettext("Cuando estemos conectados, puedes pedir a alguien que hable tu idioma.")
        turn.say(f"{text}\n{more}", voice_key=VOICE_KEY)
        return
    # Translators: after the language is in preparation; the button below asks for a person.
    more = t.gettext("Si quieres, te busca una persona que hable tu idioma.")
    rows = [[button(t.gettext(ASK_SPEAKER), actions.SPEAKER)]]
    turn.say(f"{text}\n{more}", rows, voice_key=VOICE_KEY)


async def ask(turn: Turn) -> None:
    """A request for someone who speaks the chat's language (linked chats only)."""
    t = turn.t
    if turn.case is None or not offered(turn.lang):
        await turn.stale()
        return
    case_id = turn.linked_case_id
    waiting = await requests.open_for(turn.uow, case_id)
    if not any(r.speaker_language == turn.lang for r in waiting):
        await requests.create(
            turn.uow,
            case_id,
            reason=RequestReason.TALK,
            urgency=Urgency.NORMAL,
            speaker_language=turn.lang,
        )
    found = await staff_languages.speakers(turn.uow, [turn.case.home_id], [turn.lang])
    name = language(turn.lang).native_name
    if found.get((turn.case.home_id, turn.lang)):
        # Translators: after asking for someone who speaks the adolescent's language;
        # {language} is its name (K'iche', Mam, ...).
        text = t.gettext("Listo. Le avisé a quien habla {language} en tu casa. Te va a buscar.")
    else:
        # Translators: after asking for someone who speaks the adolescent's language, when
        # nobody in the home has said they speak it; {language} is its name.
        text = t.gettext(
            "Listo. Le avisé a tu equipo. Van a buscar a alguien que hable {language}."
        )
    await turn.go_home(text.format(language=name))
