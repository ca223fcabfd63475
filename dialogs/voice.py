"""Voice notes: stored encrypted as a message of kind VOICE and flagged so that a
person listens to it (a voice note cannot be triaged for risk by reading)."""

from __future__ import annotations

from dialogs import appointments, concerns, operator, pre_evaluation
from dialogs.common import State, Turn, menu_button
from dialogs.events import Event
from plan_store.enums import FlagCategory, MessageKind, Severity
from plan_store.models import Message
from plan_store.services import flags, messages


async def receive(turn: Turn, event: Event) -> None:
    t = turn.t
    if not turn.is_open:
        # Translators: a voice note from a chat not linked or without consent: it is not kept.
        await turn.go_home(t.gettext("Todavía no puedo recibir audios. 🙏"))
        return
    if not event.voice:
        # Translators: a voice note arrived empty. The fault is the bot's.
        turn.say(t.gettext("No pude recibir tu audio. ¿Me lo mandas otra vez?"), [[menu_button(t)]])
        return
    if await concerns.voice_sent(turn, event.voice):
        return  # the concern's own: never among the messages her operator reads
    message = await keep(turn, event.voice)
    if await pre_evaluation.voice_sent(turn, message.id):
        return
    heard = await received(turn)
    data = turn.data
    waiting = (State.OPERATOR_MESSAGE, State.OPERATOR_URGENCY)
    if turn.state in waiting and isinstance(data.get("reason"), str):
        # The voice note is (part of) the message for the operator: on to the urgency,
        # keeping what was typed.
        turn.say(heard)
        await operator.skip(turn, data["reason"])
        return
    if turn.state == State.APPOINTMENT_REASON:
        appointment, answer = data.get("appointment"), data.get("answer")
        if isinstance(appointment, int) and isinstance(answer, str):
            turn.say(heard)
            await appointments.skip(turn, answer, appointment)
            return
    turn.say(heard, [[menu_button(t)]])


async def keep(turn: Turn, audio: bytes) -> Message:
    """The voice note stored, flagged for a person to listen to."""
    message = await messages.record_inbound(
        turn.uow, turn.case_id, channel=turn.channel, body="", kind=MessageKind.VOICE, voice=audio
    )
    await flags.raise_flag(
        turn.uow,
        turn.case_id,
        category=FlagCategory.VOICE_NOTE,
        severity=Severity.MEDIUM,
        message_id=message.id,
        detail="voice_note",
    )
    return message


async def received(turn: Turn) -> str:
    """ "Recibí tu audio 🎧 Laura lo escucha hoy." """
    t = turn.t
    who = await turn.operator()
    today = await turn.reads_today()
    if who and today:
        # Translators: {name} is the first name of the adolescent's operator.
        return t.gettext("Recibí tu audio 🎧 {name} lo escucha hoy.").format(name=who)
    if who:
        # Translators: {name} is the first name of the adolescent's operator.
        return t.gettext("Recibí tu audio 🎧 {name} lo escucha mañana temprano.").format(name=who)
    if today:
        # Translators: after a voice note: the team listens to it today.
        return t.gettext("Recibí tu audio 🎧 Tu equipo lo escucha hoy.")
    # Translators: after a voice note in the evening: the team listens early tomorrow.
    return t.gettext("Recibí tu audio 🎧 Tu equipo lo escucha mañana temprano.")
