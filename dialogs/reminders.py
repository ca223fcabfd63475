"""What the scheduler sends, in the chat's language: short, warm, one idea a message.

The scheduler decides when a reminder is due; the words are said here.

Each function returns an outbox payload: the screen (``Screen.to_payload``), the
chat's ``language`` (for voice prompts) and, for WhatsApp, a ``template`` hint (see
``bot.whatsapp.templates``): outside WhatsApp's 24-hour window only an approved
template may be sent, and the template's words are the ones submitted to Meta.

Dates and times are shown in the home's time zone. Buttons use the dialogs' action
vocabulary (``dialogs.actions``), so a tap on a reminder lands in the same flow as
the same tap on the dialogs' own screens.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import actions, dates, follow_up, follow_up_consent, labels
from dialogs.appointments import attendance_buttons, reminder_buttons
from dialogs.follow_up_consent import Wording
from dialogs.screens import Button, Screen
from locales import translator
from plan_store.models import Appointment, Goal, Step
from plan_store.services.follow_up import QUESTIONS

MAX_TITLE = 120
FOLLOW_UP_CONSENT_TEMPLATE = "acuerdo_seguimiento"


def _one_line(text: str, limit: int = MAX_TITLE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _what(appointment: Appointment) -> str:
    title = _one_line(appointment.title)
    place = _one_line(appointment.place)
    return f"{title} ({place})" if place else title


def _payload(screen: Screen, template: dict[str, Any] | None) -> dict[str, Any]:
    payload = screen.to_payload()
    if template is not None:
        payload["template"] = template
    return payload


def _rows(rows: list[list[Button]]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(row) for row in rows)


def appointment_reminder(
    appointment: Appointment, alias: str, lang: str, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    t = translator(lang)
    moment = dates.when(appointment.starts_at, lang, zone, now)
    what = _what(appointment)
    # Translators: a reminder before an appointment. {when} is its day and time
    # ("Mañana, martes 12 de marzo a las 10:00"), {what} what it is and where, as
    # staff wrote it ("Inscripción al taller de carpintería (CECATI 42)").
    text = t.gettext("📅 {when}: {what}.").format(when=moment, what=what)
    # Translators: asked under an appointment reminder; the buttons answer it.
    question = t.gettext("¿Vas a ir?")
    buttons = reminder_buttons(lang, appointment.id)
    return _payload(
        Screen(f"{text}\n{question}", _rows(buttons), language=lang),
        {
            "name": "recordatorio_cita",
            "params": [alias, moment, what],
            "buttons": [b.action for row in buttons for b in row],
        },
    )


def attendance_question(
    appointment: Appointment, alias: str, lang: str, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    t = translator(lang)
    title = _one_line(appointment.title)
    # Translators: after an appointment. {what} is the appointment as staff wrote it
    # ("Examen del INEA"), {when} its day and time ("Hoy, martes 12 de marzo a las
    # 10:00"). The buttons answer "did you go?".
    text = t.gettext("📅 {what} — {when}.\n¿Fuiste?").format(
        what=title, when=dates.when(appointment.starts_at, lang, zone, now)
    )
    buttons = attendance_buttons(lang, appointment.id)
    return _payload(
        Screen(text, _rows(buttons), language=lang),
        {
            "name": "pregunta_asistencia",
            "params": [alias, title],
            "buttons": [b.action for row in buttons for b in row],
        },
    )


def step_reminder(step: Step, goal: Goal, due: date, alias: str, lang: str) -> dict[str, Any]:
    t = translator(lang)
    title = _one_line(step.title)
    # Translators: on the day a step of the adolescent's plan is due. {step} is the
    # step as staff wrote it ("Presentar el examen de Historia").
    text = t.gettext("🎯 Hoy es el día de: {step}.\n¿Cómo vas? Si ya lo hiciste, avísame.").format(
        step=title
    )
    buttons = [
        Button(t.gettext(labels.DONE), actions.step_done(step.id)),
        Button(t.gettext(labels.NEED_HELP), actions.goal_help(goal.id)),
    ]
    day = dates.day_of_month(due, lang)
    return _payload(
        Screen(text, (tuple(buttons),), language=lang),
        {
            "name": "recordatorio_paso",
            "params": [alias, title, day],
            "buttons": [b.action for b in buttons],
        },
    )


def follow_up_checkin(checkin_id: int, alias: str, lang: str) -> dict[str, Any]:
    t = translator(lang)
    # Translators: the first words of a check-in after the adolescent left care.
    # {name} is the alias they chose. "tu equipo": the staff of the home.
    hello = t.gettext("Hola {name} 👋 ¿Cómo vas? Tu equipo quiere saber de ti.").format(name=alias)
    # Translators: says who reads the answers of a check-in and how long it is.
    who = t.gettext("Son unas preguntas cortas. Tus respuestas las lee tu equipo.")
    first = follow_up.question_screen(lang, checkin_id, QUESTIONS[0])
    return _payload(
        Screen(f"{hello}\n{who}\n\n{first.text}", first.buttons, language=lang),
        {
            "name": "seguimiento",
            "params": [alias],
            "buttons": [
                follow_up.open_action(checkin_id),
                follow_up.answer_action(checkin_id, "wants_contact", "yes"),
            ],
        },
    )


def follow_up_consent_question(
    case_id: int, alias: str, lang: str, words: Wording, *, template_in_language: bool
) -> dict[str, Any]:
    """After care: do you want the monthly check-ins? (asked once per version).

    ``template_in_language``: whether the WhatsApp template ``FOLLOW_UP_CONSENT_TEMPLATE``
    has its own translation in ``lang``."""
    screen = follow_up_consent.ask_screen(lang, alias, case_id, words)
    yes, no, more = (b.action for b in screen.all_buttons)
    # The template's words stand for the consent text only when they are the built-in
    # words in the chat's own language; otherwise (staff's own text, or a language
    # with no template of its own) its "yes" opens the question in the chat instead
    # of recording a consent to words that were not shown.
    same_words = not words.published and template_in_language
    return _payload(
        screen,
        {
            "name": FOLLOW_UP_CONSENT_TEMPLATE,
            "params": [alias],
            "buttons": [yes if same_words else follow_up_consent.ask_action(case_id), no, more],
        },
    )


def reconsent_prompt(lang: str) -> dict[str, Any]:
    """Asked once at 18. Consent is not in force until it is given again, so nothing
    of the case is said (not even the alias): the button opens the consent text."""
    t = translator(lang)
    # Translators: sent once when the adolescent turns 18: Rumbo asks for consent
    # again. Nothing else of their plan is shown until they answer.
    text = t.gettext(
        "Ya cumpliste 18 🎉 Ahora decides tú si sigues usando Rumbo.\n"
        "Lee otra vez lo que aceptaste y dime."
    )
    button = Button(t.gettext(labels.READ_AGAIN), actions.CONSENT)
    return _payload(Screen(text, ((button,),), language=lang), None)
