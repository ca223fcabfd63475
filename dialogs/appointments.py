"""Appointments: the upcoming list, one appointment, and the answers about it.

Before it starts: ✔️ Voy a ir / ❌ No puedo ir / 🔁 Cambiar (the last two ask an
optional reason, typed or skipped). After it starts, the scheduler's "did you go?"
brings ``appt:went:<id>`` / ``appt:missed:<id>``. Reminders use the same actions as
these screens: build their buttons with ``reminder_buttons`` and ``attendance_buttons``.
"""

from __future__ import annotations

from dialogs import actions, free_text, labels
from dialogs.common import State, Turn, button, clean, clip, listing, menu_button
from dialogs.screens import Button
from locales import translator
from locales.core_strings import BACK, TALK_TO_MY_OPERATOR
from plan_store.enums import AppointmentAnswer, AppointmentKind, AppointmentStatus
from plan_store.errors import (
    AppointmentClosed,
    AppointmentInPast,
    NotFound,
    NotOwnedByCase,
    ValidationFailed,
)
from plan_store.models import Appointment
from plan_store.services import appointments

MAX_REASON = 500
KIND_EMOJI = {
    AppointmentKind.SCHOOL: "🏫",
    AppointmentKind.JOB_TRAINING: "🛠️",
    AppointmentKind.HEALTH: "🩺",
    AppointmentKind.LEGAL: "⚖️",
    AppointmentKind.PSYCHOLOGY: "💬",
    AppointmentKind.OTHER: "📅",
}
STATUS_EMOJI = {
    AppointmentStatus.CONFIRMED: " ✔️",
    AppointmentStatus.CANNOT_GO: " ❌",
    AppointmentStatus.CHANGE_REQUESTED: " 🔁",
}
ANSWERS = {
    actions.CANNOT_GO: AppointmentAnswer.CANNOT_GO,
    actions.CHANGE: AppointmentAnswer.CHANGE,
}


def reminder_buttons(lang: str, appointment_id: int) -> list[list[Button]]:
    """The buttons of a reminder before an appointment, in the chat's language."""
    t = translator(lang)
    return [
        [
            button(t.gettext(labels.WILL_GO), actions.will_go(appointment_id)),
            button(t.gettext(labels.CANNOT_GO), actions.cannot_go(appointment_id)),
            button(t.gettext(labels.CHANGE), actions.change(appointment_id)),
        ]
    ]


def attendance_buttons(lang: str, appointment_id: int) -> list[list[Button]]:
    """The buttons of the "did you go?" message after an appointment."""
    t = translator(lang)
    return [
        [
            button(t.gettext(labels.WENT), actions.went(appointment_id)),
            button(t.gettext(labels.MISSED), actions.missed(appointment_id)),
        ]
    ]


async def _appointment(turn: Turn, appointment_id: int) -> Appointment | None:
    try:
        return await appointments.appointment_of_case(turn.uow, turn.case_id, appointment_id)
    except (NotFound, NotOwnedByCase):
        return None


async def show_list(turn: Turn, note: str | None = None) -> None:
    t = turn.t
    upcoming = await appointments.upcoming(turn.uow, turn.case_id, limit=50)
    if not upcoming:
        # Translators: the adolescent has no upcoming appointments (school, training, health,
        # legal).
        turn.say(t.gettext("No tienes citas por ahora. 🙌"), [[menu_button(t)]], note=note)
        return
    lines = []
    for appointment in upcoming:
        when = await turn.when(appointment.starts_at)
        status = STATUS_EMOJI.get(appointment.status, "")
        lines.append(f"• {when} — {appointment.title}{status}")
    rows = [
        [button(f"{KIND_EMOJI[a.kind]} {clip(a.title)}", actions.appointment(a.id))]
        for a in upcoming[:8]
    ]
    rows.append([menu_button(t)])
    text = f"{t.gettext(labels.APPOINTMENTS_TITLE)}\n{listing(t, lines)}"
    turn.say(text, rows, note=note)


async def show_one(turn: Turn, appointment_id: int, note: str | None = None) -> None:
    appointment = await _appointment(turn, appointment_id)
    if appointment is None or appointment.status is AppointmentStatus.CANCELLED:
        await turn.stale()
        return
    t = turn.t
    lines = [
        f"{KIND_EMOJI[appointment.kind]} {appointment.title}",
        f"🕙 {await turn.when(appointment.starts_at)}",
    ]
    if appointment.place:
        lines.append(f"📍 {appointment.place}")
    status = appointment.status
    if status is AppointmentStatus.CONFIRMED:
        # Translators: an appointment's state: the adolescent answered that they will go.
        lines.append(t.gettext("✔️ Me dijiste que vas a ir."))
    elif status is AppointmentStatus.CANNOT_GO:
        # Translators: an appointment's state: the adolescent answered that they cannot go.
        lines.append(t.gettext("❌ Me dijiste que no puedes ir."))
    elif status is AppointmentStatus.CHANGE_REQUESTED:
        # Translators: an appointment's state: the adolescent asked to change its day or time.
        lines.append(t.gettext("🔁 Pediste cambiarla."))
    elif status is AppointmentStatus.ATTENDED:
        # Translators: an appointment's state: it is over and the adolescent went.
        lines.append(t.gettext("✔️ Fuiste. ¡Bien!"))
    elif status is AppointmentStatus.MISSED:
        # Translators: an appointment's state: it is over and the adolescent did not go. Say it
        # without blame.
        lines.append(t.gettext("❌ No fuiste."))
    rows: list[list[Button]] = []
    if status not in appointments.CLOSED:
        if appointment.starts_at > turn.uow.now():
            lines.append("\n" + t.gettext("¿Vas a ir?"))
            rows.extend(reminder_buttons(turn.lang, appointment.id))
        else:
            # Translators: asked after an appointment's time; the buttons answer yes or no.
            lines.append("\n" + t.gettext("¿Fuiste?"))
            rows.extend(attendance_buttons(turn.lang, appointment.id))
    rows.append([button(t.gettext(BACK), actions.APPOINTMENTS), menu_button(t)])
    turn.say("\n".join(lines), rows, note=note)


async def _answer(
    turn: Turn, appointment_id: int, given: AppointmentAnswer, reason: str = ""
) -> bool:
    """Record the answer; on a refusal, say why kindly and return False."""
    t = turn.t
    try:
        await appointments.answer(
            turn.uow, turn.case_id, appointment_id, given, reason=reason, channel=turn.channel
        )
    except (NotFound, NotOwnedByCase):
        await turn.stale()
        return False
    except AppointmentClosed:
        # Translators: an answer to an appointment that was cancelled or is over.
        await show_list(turn, t.gettext("Esa cita ya no está activa: se canceló o ya pasó."))
        return False
    except AppointmentInPast:
        # Translators: an answer to an appointment whose time has already come.
        await show_list(turn, t.gettext("Esa cita ya empezó."))
        return False
    except ValidationFailed:
        turn.say(
            # Translators: the adolescent said they went to an appointment that has not started yet.
            t.gettext("Esa cita todavía no empieza. Después te pregunto cómo te fue. 🙂"),
            [[menu_button(t)]],
        )
        return False
    return True


async def will_go(turn: Turn, appointment_id: int) -> None:
    t = turn.t
    if not await _answer(turn, appointment_id, AppointmentAnswer.WILL_GO):
        return
    operator = await turn.operator()
    if operator:
        # Translators: {name} is the first name of the adolescent's operator.
        note = t.gettext("¡Listo! Le aviso a {name} que vas a ir. 💪").format(name=operator)
    else:
        # Translators: after the adolescent confirms they will go to an appointment; "tu equipo" is
        # the staff of their home.
        note = t.gettext("¡Listo! Le aviso a tu equipo que vas a ir. 💪")
    await show_list(turn, note)


async def ask_reason(turn: Turn, appointment_id: int, answer: str) -> None:
    t = turn.t
    appointment = await _appointment(turn, appointment_id)
    if appointment is None or answer not in ANSWERS:
        await turn.stale()
        return
    if appointment.status in appointments.CLOSED:
        await show_list(turn, t.gettext("Esa cita ya no está activa: se canceló o ya pasó."))
        return
    if appointment.starts_at <= turn.uow.now():
        await show_list(turn, t.gettext("Esa cita ya empezó."))
        return
    turn.go(State.APPOINTMENT_REASON, appointment=appointment.id, answer=answer)
    if answer == actions.CANNOT_GO:
        # Translators: asks why they cannot go to an appointment. «Saltar» is the Skip button: use
        # its translation.
        text = t.gettext("Entiendo. ¿Por qué no puedes ir? Escríbelo, o toca «Saltar».")
    else:
        # Translators: asks what change of an appointment they need. «Saltar» is the Skip button:
        # use its translation.
        text = t.gettext(
            "¿Qué cambio necesitas? Por ejemplo, otro día u otra hora. Escríbelo, o toca «Saltar»."
        )
    rows = [
        [button(t.gettext(labels.SKIP), actions.skip_reason(answer, appointment.id))],
        [button(t.gettext(BACK), actions.appointment(appointment.id))],
    ]
    turn.say(text, rows)


async def reason_typed(turn: Turn, text: str) -> None:
    """Typed text while a reason is asked: it is the reason."""
    data = turn.data
    appointment_id, answer = data.get("appointment"), data.get("answer")
    if not isinstance(appointment_id, int) or not isinstance(answer, str):
        turn.go(State.MENU)
        await free_text.receive(turn, text)
        return
    said = clean(text)
    message = await free_text.keep(turn, said)  # the whole text, in the timeline
    risks = await free_text.read_risks(turn, said)
    if risks:
        await free_text.raise_flags(turn, risks, message_id=message.id, detail="appointment_reason")
        await free_text.safety(turn, risks[0])
    reason = said[:MAX_REASON]
    if len(said) > MAX_REASON:
        t = turn.t
        # Translators: a reason about an appointment longer than what the appointment keeps; {kept}
        # is how many characters it keeps.
        long = t.gettext(
            "Tu mensaje era largo: en la cita anoté las primeras {kept} letras. "
            "Tu equipo lo ve completo en tus mensajes."
        )
        turn.say(long.format(kept=MAX_REASON))
        reason = said[: MAX_REASON - 1].rstrip() + "…"
    await _record(turn, appointment_id, answer, reason)


async def skip(turn: Turn, answer: str, appointment_id: int) -> None:
    if answer not in ANSWERS:
        await turn.stale()
        return
    await _record(turn, appointment_id, answer, "")


async def _record(turn: Turn, appointment_id: int, answer: str, reason: str) -> None:
    t = turn.t
    turn.go(State.MENU)
    if answer not in ANSWERS:
        await turn.stale()
        return
    if not await _answer(turn, appointment_id, ANSWERS[answer], reason):
        return
    operator = await turn.operator()
    if answer == actions.CANNOT_GO:
        if operator:
            # Translators: {name} is the first name of the adolescent's operator.
            note = t.gettext("Gracias por avisarme. Le digo a {name} que no puedes ir.").format(
                name=operator
            )
        else:
            # Translators: after the adolescent said they cannot go to an appointment.
            note = t.gettext("Gracias por avisarme. Le digo a tu equipo que no puedes ir.")
    elif operator:
        # Translators: {name} is the first name of the adolescent's operator.
        note = t.gettext("Listo. Le pido a {name} que busque otra fecha contigo.").format(
            name=operator
        )
    else:
        # Translators: after the adolescent asked to change an appointment.
        note = t.gettext("Listo. Le pido a tu equipo que busque otra fecha contigo.")
    await show_list(turn, note)


async def attended(turn: Turn, appointment_id: int) -> None:
    t = turn.t
    if not await _answer(turn, appointment_id, AppointmentAnswer.ATTENDED):
        return
    # Translators: after the adolescent said they went to an appointment.
    turn.say(t.gettext("¡Qué bien! 🙌 Gracias por contarme."), [[menu_button(t)]])


async def missed(turn: Turn, appointment_id: int) -> None:
    t = turn.t
    if not await _answer(turn, appointment_id, AppointmentAnswer.MISSED):
        return
    operator = await turn.operator()
    if operator:
        # Translators: {name} is the first name of the adolescent's operator.
        text = t.gettext("Gracias por decirme. Le aviso a {name} para buscar otra fecha.").format(
            name=operator
        )
        # Translators: button; {name} is the first name of the adolescent's operator.
        talk = t.gettext("🙋 Hablar con {name}").format(name=operator)
    else:
        # Translators: after the adolescent said they missed an appointment. No blame.
        text = t.gettext("Gracias por decirme. Le aviso a tu equipo para buscar otra fecha.")
        talk = t.gettext(TALK_TO_MY_OPERATOR)
    turn.say(text, [[button(talk, actions.OPERATOR)], [menu_button(t)]])
