"""Asking for another operator, or complaining, from Privacy or Help.

Both go to the home's coordinators only, never to her reference operator, and she is
told who reads it and by when. Her words (typed or a voice note) go into the concern
itself, never into her messages: the operator reads her messages. A risk in her words
is answered with the emergency numbers and marks the concern urgent for the
coordinators, without a flag (flags are on the operator's page). Actions::

    cx:op / cx:q                  start: change of operator / a complaint
    cx:send:<op|q>                send it without words
"""

from __future__ import annotations

from dialogs import actions, free_text
from dialogs.common import State, Turn, button, clean, first_name, menu_button
from locales import N_
from locales.core_strings import BACK
from plan_store.enums import ConcernKind
from plan_store.errors import NotFound
from plan_store.services import concerns

KINDS = {"op": ConcernKind.OPERATOR_CHANGE, "q": ConcernKind.COMPLAINT}
VOICE_KEYS = {
    ConcernKind.OPERATOR_CHANGE: "concern:operator_change",
    ConcernKind.COMPLAINT: "concern:complaint",
}

# Translators: button, in Privacy and Help: ask for a different operator ("operador(a)": the
# adult in the home who looks after the adolescent).
CHANGE_OPERATOR = N_("🔁 Quiero cambiar de operador(a)")
# Translators: button, in Privacy and Help: make a complaint.
COMPLAIN = N_("📣 Quiero poner una queja")
# Translators: button: send the request or complaint without writing anything.
SEND_AS_IS = N_("📨 Enviar así")


def code_of(kind: ConcernKind) -> str:
    return next(code for code, value in KINDS.items() if value is kind)


async def _readers(turn: Turn) -> str:
    """ "Marta y Rosa": the first names of the home's coordinators."""
    assert turn.case is not None
    names = [
        name
        for staff in await concerns.readers(turn.uow, turn.case.home_id)
        if (name := first_name(staff.display_name))
    ][:3]
    t = turn.t
    if not names:
        # Translators: who reads a complaint when the home has no coordinator named in Rumbo.
        return t.gettext("la coordinación de tu casa")
    if len(names) == 1:
        return names[0]
    # Translators: joins names: "Marta y Rosa". {names} is a list with commas, {last} the last name.
    return t.gettext("{names} y {last}").format(names=", ".join(names[:-1]), last=names[-1])


async def _by_when(turn: Turn) -> str:
    home = await turn.home()
    assert home is not None
    return turn.day(concerns.answer_by(turn.uow, home))


async def start(turn: Turn, code: str) -> None:
    kind = KINDS.get(code)
    if kind is None:
        await turn.stale()
        return
    t = turn.t
    readers = await _readers(turn)
    operator = await turn.operator()
    if kind is ConcernKind.OPERATOR_CHANGE:
        # Translators: the title of the screen to ask for another operator.
        title = t.gettext("🔁 Cambiar de operador(a)")
        # Translators: asking for another operator; why is optional.
        ask = t.gettext("Si quieres, cuéntame por qué: escríbelo aquí o manda un audio.")
    else:
        # Translators: the title of the screen to make a complaint.
        title = t.gettext("📣 Poner una queja")
        # Translators: making a complaint: about something or someone of the home, also the
        # operator.
        ask = t.gettext(
            "Cuéntame qué pasó: escríbelo aquí o manda un audio. "
            "Puede ser sobre algo o alguien de tu casa, también tu operador(a)."
        )
    # Translators: {names} are the first names of the home's coordinators (or "la coordinación de
    # tu casa"), who read it.
    who = t.gettext("Esto lo lee solo {names}, de la coordinación de tu casa.").format(
        names=readers
    )
    if operator:
        # Translators: {name} is the first name of the adolescent's operator, who does not see it.
        who += " " + t.gettext("{name} no lo ve.").format(name=operator)
    # Translators: {date} is the last day to answer ("jueves 12 de marzo").
    when = t.gettext("Te responden a más tardar el {date}.").format(date=await _by_when(turn))
    turn.go(State.CONCERN_MESSAGE, kind=kind.value)
    rows = [
        [button(t.gettext(SEND_AS_IS), f"cx:send:{code}")],
        [button(t.gettext(BACK), actions.MENU)],
    ]
    turn.say(f"{title}\n\n{who}\n{when}\n\n{ask}", rows, voice_key=VOICE_KEYS[kind])


def _kind_kept(turn: Turn) -> ConcernKind | None:
    if turn.state != State.CONCERN_MESSAGE:
        return None
    try:
        return ConcernKind(str(turn.data.get("kind", "")))
    except ValueError:
        return None


async def send_as_is(turn: Turn, code: str) -> None:
    kind = KINDS.get(code)
    if kind is None or _kind_kept(turn) is not kind:
        await turn.stale()
        return
    await _create(turn, kind)


async def text_typed(turn: Turn, text: str) -> None:
    kind = _kind_kept(turn)
    if kind is None:
        turn.go(State.MENU)
        await free_text.receive(turn, text)
        return
    words = clean(text)
    risks = await free_text.read_risks(turn, words)
    urgent = bool(risks) and risks[0].severity in free_text.ALARM
    await _create(turn, kind, text=words, urgent=urgent)


async def voice_sent(turn: Turn, audio: bytes) -> bool:
    """A voice note while a concern waits for her words: it is the concern's. False
    when no concern is waiting."""
    kind = _kind_kept(turn)
    if kind is None:
        return False
    await _create(turn, kind, voice=audio)
    return True


async def _create(
    turn: Turn,
    kind: ConcernKind,
    *,
    text: str = "",
    voice: bytes | None = None,
    urgent: bool = False,
) -> None:
    turn.go(State.MENU)
    try:
        await concerns.create(
            turn.uow,
            turn.case_id,
            kind,
            text=text,
            voice=voice,
            urgent=urgent,
            channel=turn.channel,
        )
    except NotFound:
        await turn.stale()
        return
    # No alert: alerts reach whoever is on duty, who may be the operator it is about.
    t = turn.t
    readers = await _readers(turn)
    if urgent:
        # Translators: a complaint that shows a serious risk; {names} are the coordinators told now.
        telling = t.gettext("Gracias por contármelo. 💛 Se lo paso ahora a {names}.").format(
            names=readers
        )
        # Translators: the emergency phone numbers follow, one per line.
        danger = t.gettext("Si estás en peligro ahora, llama:")
        numbers = await turn.emergency_lines()
        turn.say(f"{telling}\n\n{danger}\n{numbers}", [[menu_button(t)]])
        return
    operator = await turn.operator()
    # Translators: after a request for another operator or a complaint; {names} are the
    # coordinators who read it, {date} the last day to answer.
    text_out = t.gettext(
        "Listo. Se lo mandé a {names}. Te responden a más tardar el {date}."
    ).format(names=readers, date=await _by_when(turn))
    if operator:
        # Translators: {name} is the first name of the adolescent's operator, who does not see it.
        text_out += "\n" + t.gettext("{name} no lo ve.").format(name=operator)
    turn.say(text_out, [[menu_button(t)]])
