"""Asking for the reference operator: a reason, an optional message, the urgency.

Urgent requests show the home's emergency numbers and tell staff at once (the
request service writes an alert; ``dialogs.alerts`` says who was really told).
Before consent, "talk to a person" only asks how urgent it is: nothing the
adolescent writes is kept then, and an unlinked chat can only be pointed to an
adult and the emergency numbers.
"""

from __future__ import annotations

from dialogs import actions, alerts, free_text, labels
from dialogs.common import Level, State, Turn, button, clean, menu_button
from dialogs.screens import Button
from locales import N_
from locales.core_strings import BACK
from plan_store.crypto import InvalidToken
from plan_store.enums import RequestReason, Urgency
from plan_store.errors import InvalidTransition, NotFound, NotOwnedByCase
from plan_store.models import OperatorRequest
from plan_store.services import requests

MAX_MESSAGE = requests.MAX_MESSAGE
REASONS = {
    # Translators: button; a reason to talk to the operator: just to talk.
    RequestReason.TALK: N_("💬 Solo platicar"),
    # Translators: button; a reason to talk to the operator: a goal of the plan.
    RequestReason.GOAL_HELP: N_("🎯 Una meta"),
    # Translators: button; a reason to talk to the operator: an appointment.
    RequestReason.APPOINTMENT_CHANGE: N_("📅 Una cita"),
    # Translators: button; a reason to talk to the operator: something happened.
    RequestReason.SOMETHING_HAPPENED: N_("⚠️ Pasó algo"),
    # Translators: button; a reason to talk to the operator: migration papers, documents.
    RequestReason.PAPERS: N_("📄 Mis papeles"),
    # Translators: button; a reason to talk to the operator: anything else.
    RequestReason.OTHER: N_("✏️ Otra cosa"),
}


def _reason(value: str) -> RequestReason | None:
    try:
        return RequestReason(value)
    except ValueError:
        return None


async def start(turn: Turn) -> None:
    t = turn.t
    turn.go(State.MENU)
    operator = await turn.operator()
    if operator:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext("¿De qué quieres hablar con {name}?").format(name=operator)
    else:
        # Translators: the buttons are reasons to talk. "operadora": the adult in the home who looks
        # after the adolescent.
        text = t.gettext("¿De qué quieres hablar con tu operadora?")
    choices = [button(t.gettext(label), actions.operator_reason(r)) for r, label in REASONS.items()]
    rows: list[list[Button]] = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append([button(t.gettext(BACK), actions.MENU)])
    turn.say(text, rows)


async def choose_reason(turn: Turn, value: str) -> None:
    reason = _reason(value)
    if reason is None:
        await turn.stale()
        return
    t = turn.t
    turn.go(State.OPERATOR_MESSAGE, reason=reason.value)
    operator = await turn.operator()
    if operator:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext(
            "¿Quieres escribirle algo a {name}? Escríbelo aquí, o toca «Saltar»."
        ).format(name=operator)
    else:
        # Translators: an optional message for the operator. «Saltar» is the Skip button: use its
        # translation.
        text = t.gettext(
            "¿Quieres escribirle algo a tu operadora? Escríbelo aquí, o toca «Saltar»."
        )
    rows = [
        [button(t.gettext(labels.SKIP), actions.operator_skip(reason))],
        [button(t.gettext(BACK), actions.OPERATOR)],
    ]
    turn.say(text, rows)


async def _kept_reason(turn: Turn, text: str) -> RequestReason | None:
    """The reason chosen before the typing; with none kept, the text is free text
    and the chat is back at the menu."""
    reason = _reason(str(turn.data.get("reason", "")))
    if reason is None:
        turn.go(State.MENU)
        await free_text.receive(turn, text)
    return reason


async def message_typed(turn: Turn, text: str) -> None:
    """Typed text while the message for the operator is asked: it is the message
    (already stored in the timeline by the conversation)."""
    reason = await _kept_reason(turn, text)
    if reason is None:
        return
    said = clean(text)
    if await _triaged(turn, said, reason, ""):
        return
    _wait_for_urgency(turn, reason, said)
    _ask_urgency(turn, reason)


async def urgency_typed(turn: Turn, text: str) -> None:
    """Typed text instead of a tap on "¿Es urgente?": it joins the message, and the
    request goes now, as urgent as triage reads it."""
    reason = await _kept_reason(turn, text)
    if reason is None:
        return
    said = clean(text)
    earlier = _kept(turn)
    if await _triaged(turn, said, reason, earlier):
        return
    await _create(turn, reason, Urgency.NORMAL, _joined(earlier, said), typed=True)


async def _triaged(turn: Turn, said: str, reason: RequestReason, earlier: str) -> bool:
    """Flags for the risks in ``said``; with a serious one, the safety answer and an
    urgent request at once (True: nothing more to ask)."""
    risks = await free_text.read_risks(turn, said)  # what came before was read already
    if not risks:
        return False
    message = await free_text.keep(turn, said)
    await free_text.raise_flags(turn, risks, message_id=message.id, detail="operator_request")
    await free_text.safety(turn, risks[0])
    if risks[0].severity not in free_text.ALARM:
        return False
    await _create(turn, reason, Urgency.URGENT, _joined(earlier, said), answer=False)
    return True


def _joined(earlier: str, said: str) -> str:
    return f"{earlier}\n{said}" if earlier and said else earlier or said


def _wait_for_urgency(turn: Turn, reason: RequestReason, message: str) -> None:
    data: dict[str, str] = {"reason": reason.value}
    if message:
        data["message"] = turn.uow.cipher.encrypt(message).decode("ascii")
    turn.go(State.OPERATOR_URGENCY, **data)


async def skip(turn: Turn, value: str) -> None:
    reason = _reason(value)
    if reason is None:
        await turn.stale()
        return
    if turn.state == State.OPERATOR_URGENCY:
        # An older «Saltar» while the urgency is asked: what was typed stays.
        reason = _reason(str(turn.data.get("reason", ""))) or reason
        _wait_for_urgency(turn, reason, _kept(turn))
    else:
        _wait_for_urgency(turn, reason, "")
    _ask_urgency(turn, reason)


def _ask_urgency(turn: Turn, reason: RequestReason) -> None:
    t = turn.t
    rows = [
        [button(t.gettext(labels.URGENT), actions.operator_urgency(reason, True))],
        [button(t.gettext(labels.CAN_WAIT), actions.operator_urgency(reason, False))],
    ]
    # Translators: the buttons answer yes (urgent) or it can wait.
    turn.say(t.gettext("¿Es urgente?"), rows)


def _kept(turn: Turn) -> str:
    """The message kept (encrypted) while the urgency is asked."""
    kept = turn.data.get("message")
    if turn.state != State.OPERATOR_URGENCY or not isinstance(kept, str):
        return ""
    try:
        return turn.uow.cipher.decrypt(kept.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        return ""


async def choose_urgency(turn: Turn, value: str, urgent: str) -> None:
    """An urgency tapped. While a request waits for it, any urgency button answers
    that request, even an older one higher in the chat."""
    reason = _reason(value)
    if reason is None or urgent not in ("0", "1"):
        await turn.stale()
        return
    message = ""
    if turn.state == State.OPERATOR_URGENCY:
        reason = _reason(str(turn.data.get("reason", ""))) or reason
        message = _kept(turn)
    await _create(turn, reason, Urgency.URGENT if urgent == "1" else Urgency.NORMAL, message)


async def send_kept(turn: Turn) -> None:
    """The chat leaves the urgency question by another way (a command, an older
    button): the request goes with what was typed, as it can wait, and the
    adolescent is told. Nothing typed: nothing to send."""
    reason = _reason(str(turn.data.get("reason", "")))
    message = _kept(turn)
    turn.go(State.MENU)
    if reason is None or not message or not turn.is_open:
        return
    await requests.create(
        turn.uow, turn.case_id, reason=reason, urgency=Urgency.NORMAL, message=message
    )
    t = turn.t
    operator = await turn.operator()
    if operator:
        # Translators: the adolescent left the question "¿Es urgente?" by another button; {name} is
        # the first name of the adolescent's operator.
        turn.say(t.gettext("Le pasé tu mensaje a {name}.").format(name=operator))
    else:
        # Translators: the adolescent left the question "¿Es urgente?" by another button.
        turn.say(t.gettext("Le pasé tu mensaje a tu equipo."))


async def now(turn: Turn) -> None:
    """ "Talk to someone now", from the safety answer: urgent, no more questions."""
    if turn.level is not Level.OPEN:
        await person_urgency(turn, "1")
        return
    await _create(turn, RequestReason.SOMETHING_HAPPENED, Urgency.URGENT, "")


async def _create(
    turn: Turn,
    reason: RequestReason,
    urgency: Urgency,
    message: str,
    *,
    answer: bool = True,
    typed: bool = False,
) -> None:
    """The request. ``typed``: the urgency was not chosen but read from what was typed."""
    turn.go(State.MENU)
    if not await _already_open(turn, reason, urgency, message):
        try:
            request = await requests.create(
                turn.uow, turn.case_id, reason=reason, urgency=urgency, message=message
            )
        except (NotFound, NotOwnedByCase, InvalidTransition):
            await turn.stale()
            return
        if request.original_length is not None:
            _too_long(turn, request.original_length)
    if answer:
        await _answered(turn, urgency, typed=typed)


def _too_long(turn: Turn, length: int) -> None:
    t = turn.t
    # Translators: a message for the operator longer than what a request keeps; {kept} is how many
    # characters the request keeps, {length} how many the message had.
    long = t.gettext(
        "Tu mensaje era muy largo ({length} letras): en tu solicitud van las primeras "
        "{kept}. Tu equipo lo ve completo en tus mensajes."
    )
    turn.say(long.format(length=length, kept=MAX_MESSAGE))


async def _already_open(
    turn: Turn, reason: RequestReason, urgency: Urgency, message: str
) -> OperatorRequest | None:
    """An open request just like this one (a second tap): not asked twice."""
    if message:
        return None
    for request in await requests.open_for(turn.uow, turn.linked_case_id):
        if (
            request.reason is reason
            and request.urgency is urgency
            and request.message_ciphertext is None
            and request.goal_id is None
        ):
            return request
    return None


async def _answered(turn: Turn, urgency: Urgency, *, typed: bool = False) -> None:
    t = turn.t
    operator = await turn.operator()
    if urgency is Urgency.URGENT:
        telling = await alerts.telling(turn)
        # Translators: the emergency phone numbers follow, one per line.
        danger = t.gettext("Si estás en peligro ahora, llama:")
        numbers = await turn.emergency_lines()
        door = t.gettext("Aquí sigo. Puedes escribirme cuando quieras.")
        turn.say(f"{telling}\n\n{danger}\n{numbers}\n\n{door}", [[menu_button(t)]])
        return
    today = await turn.reads_today()
    if operator and today:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext("Listo. Le avisé a {name}. Te responde hoy.").format(name=operator)
    elif operator:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext("Listo. Le avisé a {name}. Te responde mañana temprano.").format(
            name=operator
        )
    elif today:
        # Translators: a request that can wait: the team answers today.
        text = t.gettext("Listo. Le avisé a tu equipo. Te responden hoy.")
    else:
        # Translators: a request that can wait, in the evening: the team answers early tomorrow.
        text = t.gettext("Listo. Le avisé a tu equipo. Te responden mañana temprano.")
    if not typed:
        turn.say(text, [[menu_button(t)]])
        return
    # Translators: the adolescent typed instead of answering "¿Es urgente?": the request went as
    # one that can wait; the button below makes it urgent.
    note = t.gettext("Lo mandé como que puede esperar. Si es urgente, toca el botón.")
    rows = [[button(t.gettext(labels.URGENT), actions.OPERATOR_NOW)], [menu_button(t)]]
    turn.say(f"{text}\n{note}", rows)


# --- before consent: "talk to a person" ------------------------------------------


async def person(turn: Turn) -> None:
    if turn.level is Level.OPEN:
        await start(turn)
        return
    if turn.level is Level.UNLINKED:
        await person_urgency(turn, "1")
        return
    t = turn.t
    rows = [
        [button(t.gettext(labels.URGENT), actions.person_urgency(True))],
        [button(t.gettext(labels.CAN_WAIT), actions.person_urgency(False))],
        [button(t.gettext(BACK), actions.MENU)],
    ]
    # Translators: "talk to a person" before consent; the buttons answer yes or it can wait.
    turn.say(t.gettext("Le aviso a una persona de tu equipo. ¿Es urgente?"), rows)


async def person_urgency(turn: Turn, urgent: str) -> None:
    if urgent not in ("0", "1"):
        await turn.stale()
        return
    urgency = Urgency.URGENT if urgent == "1" else Urgency.NORMAL
    if turn.level is Level.OPEN:
        await _create(turn, RequestReason.TALK, urgency, "")
        return
    t = turn.t
    # Translators: the emergency phone numbers follow, one per line.
    danger = t.gettext("Si estás en peligro ahora, llama:")
    numbers = await turn.emergency_lines()
    back = [[button(t.gettext(BACK), actions.MENU)]]
    if turn.level is Level.UNLINKED:
        # Translators: "talk to a person" from a chat not linked yet: the bot cannot tell anyone.
        text = t.gettext(
            "Todavía no estamos conectados, así que desde aquí no puedo avisarle a nadie. 🙏\n"
            "Busca a un adulto de tu casa, o a quien te dio el código."
        )
        turn.say(f"{text}\n\n{danger}\n{numbers}", back)
        return
    if not await _already_open(turn, RequestReason.TALK, urgency, ""):
        await requests.create(
            turn.uow, turn.linked_case_id, reason=RequestReason.TALK, urgency=urgency
        )
    if urgency is Urgency.URGENT:
        text = await alerts.telling(turn)
        turn.say(f"{text}\n\n{danger}\n{numbers}", back)
    else:
        # Translators: "talk to a person" that can wait, before consent.
        turn.say(t.gettext("Listo. Le aviso a tu equipo. Te buscan pronto."), back)
