"""The conversation: one event of one chat in, one ``Reply`` out.

``handle`` loads the chat's context, picks the flow for the event and the chat's
stored place (``ChatSession.state`` / ``.data`` / ``.language``), lets it change state
through the plan_store services, and returns what to say. The place lives in the
database, so a restart loses no one's place. It never commits: the caller does.

What a chat may do depends on its level (``common.Level``): an unlinked chat and a
linked chat without consent in force may only choose a language, read what Rumbo
is, talk to a person, read and answer the consent text, and clear the chat; they
see nothing of any case. Every button's action is parsed defensively and every id in
it is checked against the chat's own case by the services.
"""

from __future__ import annotations

from dialogs import (
    actions,
    agreements,
    appointments,
    concerns,
    consent,
    follow_up,
    follow_up_consent,
    free_text,
    goals,
    help,
    home,
    language,
    linking,
    operator,
    pre_evaluation,
    privacy,
    proposals,
    rights,
    speaker,
    voice,
)
from dialogs.common import Level, NotAllowed, State, Turn, clean, parse_id, typed_command
from dialogs.events import Event, EventKind
from dialogs.screens import MAX_ACTION_BYTES, Reply
from locales.core_strings import DID_NOT_UNDERSTAND, GREETING
from plan_store.enums import Channel
from plan_store.unit_of_work import UnitOfWork

MENU_WORDS = {"menu", "menú", "/menu", "/menú", "inicio", "/inicio"}
HELP_WORDS = {"help", "ayuda"}
LANGUAGE_WORDS = {"idioma", "language", "lengua", "lang"}
PRIVACY_WORDS = {"privacidad", "privacy"}


async def handle(uow: UnitOfWork, channel: Channel, external_id: str, event: Event) -> Reply:
    turn = await Turn.begin(uow, channel, external_id, home_screen=home.show)
    try:
        await _route(turn, event)
    except NotAllowed:
        # A flow reached for a case the chat may not see (it changed under it).
        turn.reply.screens.clear()
        await turn.stale()
    return turn.finish()


async def _route(turn: Turn, event: Event) -> None:
    if event.kind is EventKind.START:
        await _start(turn, clean(event.data))
    elif event.kind is EventKind.CHOICE:
        await _choice(turn, event.data)
    elif event.kind is EventKind.VOICE:
        await voice.receive(turn, event)
    else:
        await _text(turn, clean(event.data))


async def _start(turn: Turn, payload: str) -> None:
    await _leave_prompt(turn)
    code = linking.code_in(payload) if payload else None
    if code is not None:
        await linking.redeem(turn, code)
    elif turn.session.language is None and turn.level is Level.UNLINKED:
        await language.show(turn, welcome=True)
    else:
        await turn.go_home(turn.t.gettext(GREETING))


async def _text(turn: Turn, text: str) -> None:
    t = turn.t
    if text and kept(turn, text):
        await free_text.keep(turn, text)
    if text[:6].casefold() == "/start":
        await _start(turn, text[len("/start") :].strip())
        return
    command = _command(text)
    if command is not None:
        await _leave_prompt(turn)
    if command == "menu":
        await turn.go_home()
        return
    if command == "help":
        await help.show(turn)
        return
    if command == "language":
        await language.show(turn)
        return
    if command == "privacy" and turn.is_open:
        await privacy.show(turn)
        return
    if not text:
        await turn.go_home(t.gettext(DID_NOT_UNDERSTAND))
        return
    if turn.is_open:
        await _open_text(turn, text)
    else:
        await _gate_text(turn, text)


def kept(turn: Turn, text: str = "") -> bool:
    """Whether what the chat sends now (``text``, when typed) is kept among the case's
    messages. Whatever an adolescent with consent sends reaches the team, in any state;
    save the words of a complaint or a request for another operator, which go to the
    home's coordinators only (``dialogs.concerns``): the operator reads the messages,
    and may be the one it is about. A command typed there ("menú") leaves the
    complaint unsent and is no part of it: it is kept like any other text."""
    return turn.is_open and (turn.state != State.CONCERN_MESSAGE or is_command(text))


def is_command(text: str) -> bool:
    """Whether ``text`` is typed as a command rather than as words for someone."""
    return text[:6].casefold() == "/start" or _command(text) is not None


def _command(text: str) -> str | None:
    """A typed command: "menú", "/menu", "/ayuda", "idioma", ... (a plain "ayuda" is
    read as a cry for help by triage, not as a command)."""
    if len(text) > 20:
        return None
    word = typed_command(text)
    slash = text.startswith("/")
    if text.casefold() in MENU_WORDS or word in {"menu", "inicio"}:
        return "menu"
    if slash and word in HELP_WORDS:
        return "help"
    if word in LANGUAGE_WORDS and (slash or word != "lang"):
        return "language"
    if slash and word in PRIVACY_WORDS:
        return "privacy"
    return None


async def _open_text(turn: Turn, text: str) -> None:
    chosen = language.typed(text) if turn.state == State.LANGUAGE else None
    if chosen is not None:
        await language.choose(turn, chosen)
    elif turn.state == State.OPERATOR_MESSAGE:
        await operator.message_typed(turn, text)
    elif turn.state == State.OPERATOR_URGENCY:
        await operator.urgency_typed(turn, text)
    elif turn.state == State.APPOINTMENT_REASON:
        await appointments.reason_typed(turn, text)
    elif turn.state == State.PROPOSAL_TEXT:
        await proposals.text_typed(turn, text)
    elif turn.state == State.EVALUATION_WORDS:
        await pre_evaluation.words_typed(turn, text)
    elif turn.state == State.CONCERN_MESSAGE:
        await concerns.text_typed(turn, text)
    else:
        await free_text.receive(turn, text)


async def _gate_text(turn: Turn, text: str) -> None:
    """Typed text from a chat that may not store it: never kept, never flagged."""
    risks = await free_text.read_risks(turn, text)
    if risks and risks[0].severity in free_text.SHOWN:
        await free_text.before_consent(turn, risks[0])
        return
    chosen = language.typed(text)
    if chosen is not None and turn.state in (State.START, State.LANGUAGE):
        await language.choose(turn, chosen)
        return
    if turn.level is Level.UNLINKED:
        code = linking.code_in(text)
        if code is not None:
            await linking.redeem(turn, code)
            return
        if turn.session.language is None and turn.state in (State.START, State.LANGUAGE):
            await language.show(turn, welcome=turn.state == State.START)
            return
        await linking.ask_code(turn, turn.t.gettext(DID_NOT_UNDERSTAND))
        return
    # Translators: the adolescent typed instead of answering the consent question; the buttons
    # follow.
    await consent.show(turn, turn.t.gettext("Antes de seguir, necesito tu respuesta. 👇"))


# --- buttons -----------------------------------------------------------------------

OPEN_TO_ALL = {"menu", "lang", "about", "help", "person", "speaker", "consent"}


CONTINUING: dict[str, tuple[str, ...]] = {
    State.OPERATOR_MESSAGE: ("op:u:", "op:skip:"),
    State.OPERATOR_URGENCY: ("op:u:", "op:skip:"),
    State.APPOINTMENT_REASON: ("appt:skip:",),
    State.PROPOSAL_TEXT: (),
    State.PROPOSAL_WHEN: ("prop:when:",),
    State.EVALUATION_WORDS: (),
    State.CONCERN_MESSAGE: ("cx:send:",),
}
"""States that wait for an answer, and the buttons that answer them (any of them,
however old: they keep what the state kept)."""


async def _leave_prompt(turn: Turn, action: str = "") -> None:
    """Leave a waiting state by another way. What was typed for the operator is never
    dropped: the request goes with it (``operator.send_kept``)."""
    answers = CONTINUING.get(turn.state)
    if answers is None or (action and action.startswith(answers)):
        return
    if turn.state == State.OPERATOR_URGENCY:
        await operator.send_kept(turn)
    turn.go(State.MENU)


async def _choice(turn: Turn, action: str) -> None:
    await _leave_prompt(turn, action)
    if not action or len(action.encode("utf-8", "replace")) > MAX_ACTION_BYTES:
        await turn.stale()
        return
    parts = action.split(":")
    head, args = parts[0], parts[1:]
    if action == actions.CLEAR_CHAT:
        await privacy.clear(turn)
        return
    leaving = action in (actions.WITHDRAW, actions.WITHDRAW_CONFIRMED)
    if head not in OPEN_TO_ALL and not turn.is_open and not leaving:
        await turn.stale()
        return
    handled = await _open_to_all(turn, head, args) or await _case_action(turn, head, args)
    if not handled:
        await turn.stale()


async def _open_to_all(turn: Turn, head: str, args: list[str]) -> bool:
    match head, args:
        case "menu", []:
            await turn.go_home()
        case "lang", []:
            await language.show(turn)
        case "lang", [code]:
            await language.choose(turn, code)
        case "about", []:
            await consent.about(turn)
        case "help", []:
            await help.show(turn)
        case "person", []:
            await operator.person(turn)
        case "person", ["u", urgent]:
            await operator.person_urgency(turn, urgent)
        case "speaker", []:
            await speaker.ask(turn)
        case "consent", []:
            await consent.show(turn)
        case "consent", ["more"]:
            await consent.details(turn)
        case "consent", ["yes", version] if (number := parse_id(version)) is not None:
            await consent.accept(turn, number)
        case "consent", ["no", version] if (number := parse_id(version)) is not None:
            await consent.refuse(turn, number)
        case _:
            return False
    return True


async def _case_action(turn: Turn, head: str, args: list[str]) -> bool:
    """Actions that show or change the chat's own case (the chat is open here)."""
    return await _plan_action(turn, head, args) or await _voice_action(turn, head, args)


async def _plan_action(turn: Turn, head: str, args: list[str]) -> bool:
    """Her goals, appointments and proposals for the plan."""
    ids = [parse_id(arg) for arg in args]
    last = ids[-1] if ids else None
    match head, args:
        case "goals", []:
            await goals.show_programmes(turn)
        case "goals", [programme]:
            await goals.show_programme(turn, programme)
        case "goal", [_] if last is not None:
            await goals.show_goal(turn, last)
        case "goal", ["help", _] if last is not None:
            await goals.need_help(turn, last)
        case "step", ["done", _] if last is not None:
            await goals.step_done(turn, last)
        case "appts", []:
            await appointments.show_list(turn)
        case "appt", [_] if last is not None:
            await appointments.show_one(turn, last)
        case "appt", ["ok", _] if last is not None:
            await appointments.will_go(turn, last)
        case "appt", [("no" | "chg") as answer, _] if last is not None:
            await appointments.ask_reason(turn, last, answer)
        case "appt", ["skip", answer, _] if last is not None:
            await appointments.skip(turn, answer, last)
        case "appt", ["went", _] if last is not None:
            await appointments.attended(turn, last)
        case "appt", ["missed", _] if last is not None:
            await appointments.missed(turn, last)
        case "prop", ["goal"]:
            await proposals.start_goal(turn)
        case "prop", ["g", programme]:
            await proposals.choose_programme(turn, programme)
        case "prop", ["g", programme, horizon]:
            await proposals.choose_horizon(turn, programme, horizon)
        case "prop", ["step", _] if last is not None:
            await proposals.start_step(turn, last)
        case "prop", ["when", when]:
            await proposals.choose_when(turn, when)
        case _:
            return False
    return True


async def _voice_action(turn: Turn, head: str, args: list[str]) -> bool:
    """Asking for her operator, follow-up, her say before evaluations, complaints,
    her rights and her privacy."""
    match head, args:
        case "op", []:
            await operator.start(turn)
        case "op", ["r", reason]:
            await operator.choose_reason(turn, reason)
        case "op", ["skip", reason]:
            await operator.skip(turn, reason)
        case "op", ["u", reason, urgent]:
            await operator.choose_urgency(turn, reason, urgent)
        case "op", ["now"]:
            await operator.now(turn)
        case "fu", _:
            await follow_up.on_action(turn, ":".join([head, *args]))
        case "fuc", _:
            await follow_up_consent.on_action(turn, ":".join([head, *args]), privacy.show)
        case "pe", _:
            await pre_evaluation.on_action(turn, args)
        case "agr", _:
            await agreements.on_action(turn, args)
        case "cx", [code]:
            await concerns.start(turn, code)
        case "cx", ["send", code]:
            await concerns.send_as_is(turn, code)
        case "rights", []:
            await rights.show(turn)
        case "rights", ["rules"]:
            await rights.rules(turn)
        case "rights", ["mine"]:
            await rights.mine(turn)
        case "rights", ["opts"]:
            await rights.options(turn)
        case "rights", ["opt", option]:
            await rights.option(turn, option)
        case "rights", ["talk", topic]:
            await rights.talk(turn, topic)
        case "priv", []:
            await privacy.show(turn)
        case "priv", ["stop"]:
            await privacy.ask_withdraw(turn)
        case "priv", ["stop", "yes"]:
            await privacy.withdraw(turn)
        case _:
            return False
    return True
