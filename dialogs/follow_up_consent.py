"""Consent to the check-ins after care: asked once, seen and changed in Privacy.

When a case is in follow-up after care, the scheduler asks its chat once whether the
adolescent wants the monthly check-ins (``dialogs.due.checkins.follow_up_consent_asks``),
and asks again only when the follow-up consent text gets a new version. The answer is
the ``follow_up`` consent, given or refused, recorded with the chat's channel and
language and the version of the text. The privacy screen shows the choice and changes
it with one tap; stopping withdraws this purpose alone: consent to messaging stays in
force and the chat stays linked.

Actions, only for a linked chat with consent to messaging in force whose own case is
in follow-up (``<case_id>`` must be that case: any other is a stale button)::

    fuc:ask:<case_id>               the question: what the check-ins are; yes, no, details
    fuc:more:<case_id>              its details
    fuc:yes:<version>:<case_id>     yes, to that version of the text (a stale one asks again)
    fuc:no:<version>:<case_id>      no, thanks
    fuc:on:<version>:<case_id>      start the check-ins, from Privacy
    fuc:off:<case_id>               stop them, from Privacy

Voice prompts: the question names ``consent:follow_up:<version>`` and its details
``consent:follow_up:<version>:details``, as the messaging consent does.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs import labels, menu
from dialogs.common import ShowScreen, Turn, button, fit, parse_id
from dialogs.follow_up import CHECKIN_KEY_PREFIX
from dialogs.screens import Button, Screen
from locales import N_, translator
from locales.core_strings import BACK, MORE_DETAILS
from plan_store.enums import ConsentDecision, ConsentPurpose
from plan_store.models import Adolescent
from plan_store.services import consent, outbox
from plan_store.services import follow_up as follow_up_service
from plan_store.unit_of_work import UnitOfWork

PURPOSE = ConsentPurpose.FOLLOW_UP
PREFIX = "fuc"
ASK_KEY_PREFIX = "fuc-ask:"
"""The outbox dedupe key of the scheduler's question: ``fuc-ask:<case_id>:<version>``
(one question per case and version of the text)."""

WITH_VERSION = ("yes", "no", "on")
WITHOUT_VERSION = ("ask", "more", "off")

# Translators: the text of the question about the check-ins after leaving care
# (version 1), when staff have not published their own. "tu equipo": the staff who
# looked after the adolescent. "⚙️ Privacidad" is the button of that screen: use
# its translation.
SUMMARY = N_(
    "Una vez al mes te quiero mandar un mensaje corto con unas preguntas: dónde vives, "
    "la escuela o el trabajo, tu salud y si quieres que alguien te busque.\n"
    "Tus respuestas las lee tu equipo.\n"
    "Puedes pararlo cuando quieras en ⚙️ Privacidad."
)
# Translators: the longer text about the check-ins after leaving care (version 1),
# shown with "Más detalles". "tu equipo": the staff who looked after the adolescent.
DETAILS = N_(
    "Así funcionan las preguntas de cada mes:\n"
    "• Te escribo una vez al mes, mientras tu equipo te acompaña (hasta tus 21 años, "
    "como mucho).\n"
    "• Son 4 preguntas con botones: dónde vives, la escuela o el trabajo, tu salud y "
    "si quieres que alguien te busque.\n"
    "• Tus respuestas las lee tu equipo. Si algo va mal o pides que te busquen, le aviso "
    "a tu equipo.\n"
    "• Si dices que no, puedes seguir usando Rumbo igual.\n"
    "• Puedes pararlas o volver a pedirlas cuando quieras, en ⚙️ Privacidad."
)
# Translators: button; yes to the monthly check-ins after leaving care. A phone shows
# about 20 characters.
YES = N_("✅ Sí, quiero")
# Translators: button on the privacy screen, after leaving care: stops the monthly
# check-in questions (Rumbo goes on as before). About 20 characters.
STOP = N_("🔕 Parar las preguntas")
# Translators: button on the privacy screen, after leaving care: starts the monthly
# check-in questions again. About 20 characters.
START = N_("🔔 Quiero las preguntas")


@dataclass(frozen=True, slots=True)
class ConsentAction:
    verb: str
    case_id: int
    version: int | None = None


def ask_action(case_id: int) -> str:
    return f"{PREFIX}:ask:{case_id}"


def details_action(case_id: int) -> str:
    return f"{PREFIX}:more:{case_id}"


def yes_action(version: int, case_id: int) -> str:
    return f"{PREFIX}:yes:{version}:{case_id}"


def no_action(version: int, case_id: int) -> str:
    return f"{PREFIX}:no:{version}:{case_id}"


def start_action(version: int, case_id: int) -> str:
    return f"{PREFIX}:on:{version}:{case_id}"


def stop_action(case_id: int) -> str:
    return f"{PREFIX}:off:{case_id}"


def ask_key(case_id: int, version: int) -> str:
    return f"{ASK_KEY_PREFIX}{case_id}:{version}"


def parse(action: str) -> ConsentAction | None:
    """The follow-up consent action in ``action``, or None when it is not a valid one."""
    parts = action.split(":")
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    verb, numbers = parts[1], [parse_id(part) for part in parts[2:]]
    if verb in WITH_VERSION and len(numbers) == 2:
        version, case_id = numbers
        if version is not None and case_id is not None:
            return ConsentAction(verb, case_id, version)
    if verb in WITHOUT_VERSION and len(numbers) == 1 and numbers[0] is not None:
        return ConsentAction(verb, numbers[0])
    return None


def voice_key(version: int, *, details: bool = False) -> str:
    key = f"consent:{PURPOSE.value}:{version}"
    return f"{key}:details" if details else key


# --- the words ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wording:
    """The current version of the follow-up text in one language."""

    version: int
    summary: str
    details: str
    published: bool
    """Staff published these words (``False``: the built-in words of version 1)."""


async def wording(uow: UnitOfWork, lang: str) -> Wording:
    version = await consent.current_version(uow, PURPOSE)
    published = await consent.current_text(uow, PURPOSE, lang)
    if published is not None:
        details = published.details or published.summary
        return Wording(version, published.summary, details, True)
    t = translator(lang)
    return Wording(version, t.gettext(SUMMARY), t.gettext(DETAILS), False)


def ask_screen(lang: str, alias: str, case_id: int, words: Wording) -> Screen:
    """The question, as the scheduler sends it and as the chat shows it again."""
    t = translator(lang)
    # Translators: the first line of the question about the check-ins after leaving
    # care. {name} is the nickname the adolescent chose. "tu equipo": the staff who
    # looked after them.
    hello = t.gettext("Hola {name} 👋 Tu equipo quiere seguir sabiendo cómo estás.").format(
        name=alias
    )
    # Translators: the last line of the question about the check-ins after leaving
    # care ("it": the short monthly message); the buttons answer it.
    question = t.gettext("¿Quieres recibirlo?")
    buttons = (
        Button(t.gettext(YES), yes_action(words.version, case_id)),
        Button(t.gettext(labels.NO_THANKS), no_action(words.version, case_id)),
        Button(t.gettext(MORE_DETAILS), details_action(case_id)),
    )
    return Screen(
        fit(f"{hello}\n\n{words.summary}\n\n{question}"),
        (buttons,),
        voice_key=voice_key(words.version),
        language=lang,
    )


def details_screen(lang: str, case_id: int, words: Wording) -> Screen:
    t = translator(lang)
    return Screen(
        fit(words.details),
        (
            (
                Button(t.gettext(YES), yes_action(words.version, case_id)),
                Button(t.gettext(labels.NO_THANKS), no_action(words.version, case_id)),
            ),
            (Button(t.gettext(BACK), ask_action(case_id)),),
        ),
        voice_key=voice_key(words.version, details=True),
        language=lang,
    )


# --- the conversation's side ----------------------------------------------------------


async def in_follow_up(turn: Turn) -> bool:
    """Whether the chat's case is in follow-up after care today."""
    case = turn.case
    if case is None or not turn.is_open:
        return False
    return follow_up_service.in_follow_up(case, (await turn.local_now()).date())


async def on_action(turn: Turn, action: str, privacy_screen: ShowScreen) -> None:
    """Answer a ``fuc:`` action; ``privacy_screen`` (``dialogs.privacy.show``, which
    shows this module's ``privacy_section``) follows a change made from Privacy."""
    parsed = parse(action)
    if parsed is None or parsed.case_id != turn.case_id or not await in_follow_up(turn):
        await turn.stale()
        return
    case = turn.case
    assert case is not None
    t = turn.t
    words = await wording(turn.uow, turn.lang)
    if parsed.verb == "ask":
        _show(turn, ask_screen(turn.lang, case.alias, case.id, words))
    elif parsed.verb == "more":
        _show(turn, details_screen(turn.lang, case.id, words))
    elif parsed.verb in ("yes", "on"):
        if parsed.version != words.version:
            changed = t.gettext(labels.WORDS_CHANGED)
            _show(turn, ask_screen(turn.lang, case.alias, case.id, words), note=changed)
            return
        await _record(turn, case, give=True)
        if parsed.verb == "yes":
            # Translators: after the adolescent says yes to the monthly check-ins after
            # leaving care. "⚙️ Privacidad": the button of the privacy screen.
            note = t.gettext(
                "¡Listo! 💛 Te escribo una vez al mes.\nSi cambias de idea, está en ⚙️ Privacidad."
            )
            await menu.show(turn, note)
        else:
            # Translators: on the privacy screen, after the adolescent started the
            # monthly check-ins again.
            await privacy_screen(turn, t.gettext("¡Listo! 💛 Te escribo una vez al mes."))
    else:
        await _record(turn, case, give=False, withdraw=parsed.verb == "off")
        if parsed.verb == "no":
            # Translators: after the adolescent says no to the monthly check-ins after
            # leaving care. Respect the decision; no pressure. "⚙️ Privacidad": the
            # button of the privacy screen.
            note = t.gettext(
                "Está bien. Es tu decisión 💛 No te mando esas preguntas.\n"
                "Si cambias de idea, está en ⚙️ Privacidad."
            )
            await menu.show(turn, note)
        else:
            # Translators: on the privacy screen, after the adolescent stopped the
            # monthly check-ins. The rest of Rumbo goes on as before.
            note = t.gettext(
                "Listo. Ya no te mando las preguntas de cada mes. Lo demás de Rumbo sigue igual."
            )
            await privacy_screen(turn, note)


def _show(turn: Turn, screen: Screen, note: str | None = None) -> None:
    turn.say(screen.text, screen.buttons, note=note, voice_key=screen.voice_key)


async def _record(turn: Turn, case: Adolescent, *, give: bool, withdraw: bool = False) -> None:
    """Record the decision on the current text, unless it is the one in force already
    (a button tapped twice records once). ``withdraw``: a "stop" after a yes is a
    withdrawal; anything else said no to is a refusal."""
    uow = turn.uow
    state = await consent.state(uow, case, PURPOSE)
    current = not state.undecided
    if give:
        if not (current and state.decision is ConsentDecision.GIVEN):
            await consent.decide(
                uow,
                case,
                decision=ConsentDecision.GIVEN,
                language=turn.lang,
                channel=turn.channel,
                purpose=PURPOSE,
            )
    elif not (current and state.declined):
        if withdraw and state.decision is ConsentDecision.GIVEN:
            await consent.withdraw_purpose(
                uow, case, PURPOSE, language=turn.lang, channel=turn.channel
            )
        else:
            await consent.decide(
                uow,
                case,
                decision=ConsentDecision.REFUSED,
                language=turn.lang,
                channel=turn.channel,
                purpose=PURPOSE,
            )
    # Answered: a question still waiting to be sent is not needed any more; after a
    # no, a check-in still waiting (quiet hours) must not go out either.
    await outbox.cancel_pending_keyed(uow, case.id, f"{ASK_KEY_PREFIX}{case.id}:")
    if not give:
        await outbox.cancel_pending_keyed(uow, case.id, CHECKIN_KEY_PREFIX)


async def privacy_section(turn: Turn) -> tuple[str, Button] | None:
    """For a case in follow-up: what the privacy screen says about the check-ins, and
    the one button that changes it."""
    case = turn.case
    if case is None or not await in_follow_up(turn):
        return None
    t = turn.t
    if await consent.allows(turn.uow, case, PURPOSE):
        # Translators: on the privacy screen, after leaving care: the monthly check-in
        # questions are on. "tu equipo": the staff who looked after the adolescent.
        text = t.gettext(
            "📬 Una vez al mes te mando unas preguntas cortas. Tus respuestas las lee tu equipo."
        )
        return text, button(t.gettext(STOP), stop_action(case.id))
    words = await wording(turn.uow, turn.lang)
    # Translators: on the privacy screen, after leaving care: the monthly check-in
    # questions are off; what they are follows.
    off = t.gettext("📬 Ahora no te mando las preguntas de cada mes.")
    return f"{off}\n{words.summary}", button(t.gettext(START), start_action(words.version, case.id))
