"""What the adolescent hears about her alert: only what is true.

When a message raises an urgent flag or she asks for a person now, the services write
an alert and its recipients in the same transaction (``plan_store.services.alerts``).
``telling`` reads them: the bot names the people told only when at least one of them
is really reached (a Telegram chat or an email, or a console page open right now);
otherwise it says plainly that nobody could be told at once. ``acknowledged`` and
``unanswered`` are the screens the alert dispatcher queues later: someone saw it, or
nobody did in time.
"""

from __future__ import annotations

from dialogs.common import Turn, emergency_lines, first_name, menu_button
from dialogs.screens import Screen
from locales import Translator
from plan_store.services import alert_recipients, alerts


async def telling(turn: Turn) -> str:
    """The line that says who is being told now, true for this chat's open alert."""
    t = turn.t
    case = turn.case
    alert = await alerts.open_for_case(turn.uow, case.id) if case is not None else None
    people = await alert_recipients.told(turn.uow, alert.id) if alert is not None else []
    if not people:
        # Translators: an urgent message or request, when nobody of the team can be reached at
        # once. The emergency numbers follow.
        return t.gettext(
            "Ahora mismo no pude avisarle a nadie de tu equipo al momento. "
            "Tu mensaje queda guardado y lo verán en cuanto entren."
        )
    names = [name for name in (first_name(p.display_name) for p in people[:3]) if name]
    if not turn.is_open or not names:
        # Translators: an urgent message or request: a person of the team on duty is told now.
        return t.gettext("Le estoy avisando ahora a una persona de tu equipo que está de turno.")
    # Translators: an urgent message or request; {names} are the first names of the staff told
    # now (one name, or several separated by commas).
    return t.gettext("Le estoy avisando ahora a {names}.").format(names=", ".join(names))


def acknowledged(t: Translator, staff_name: str) -> Screen:
    name = first_name(staff_name)
    if name:
        # Translators: sent when a staff member has seen the adolescent's urgent message;
        # {name} is her first name.
        text = t.gettext("{name} ya vio tu mensaje. 💛").format(name=name)
    else:
        # Translators: sent when a person of the team has seen the adolescent's urgent message.
        text = t.gettext("Una persona de tu equipo ya vio tu mensaje. 💛")
    # Translators: the last line of a safety answer: the door stays open.
    door = t.gettext("Aquí sigo. Puedes escribirme cuando quieras.")
    return Screen(f"{text}\n{door}", ((menu_button(t),),), language=t.code)


def unanswered(t: Translator, numbers: dict[str, object]) -> Screen:
    """Nobody of the team answered in time: the emergency numbers again."""
    # Translators: sent when nobody of the team has answered an urgent message yet; the
    # emergency phone numbers follow, one per line.
    text = t.gettext("Todavía nadie de tu equipo te ha contestado. Si estás en peligro, llama:")
    # Translators: the last line of a safety answer: the door stays open.
    door = t.gettext("Aquí sigo. Puedes escribirme cuando quieras.")
    return Screen(
        f"{text}\n{emergency_lines(numbers)}\n\n{door}", ((menu_button(t),),), language=t.code
    )
