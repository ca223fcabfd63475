"""Telling the adolescent, in their chat and their language, that staff changed
something that concerns them (an appointment scheduled, moved or cancelled, a step
she marked done confirmed, a new reference operator).

Only through the outbox, only on an active chat, only with valid consent, and never
during the home's quiet hours (the message then waits for the morning).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from locales import format_datetime, language, translator
from plan_store.enums import CaseStatus
from plan_store.models import Adolescent, Appointment, Home, Step
from plan_store.services import consent, outbox
from plan_store.services.chats import active_links_of
from plan_store.unit_of_work import UnitOfWork

# Long, friendly dates for the adolescent: "jueves 12 de marzo a las 10:00".
_SPANISH_STYLE = "EEEE d 'de' MMMM 'a las' HH:mm"
_ENGLISH_STYLE = "EEEE, MMMM d 'at' h:mm a"


def screen(text: str) -> dict[str, Any]:
    """The outbox payload of a plain screen (``dialogs.screens.Screen.to_payload``)."""
    return {"text": text, "buttons": [], "voice_key": None}


def when_for(case: Adolescent, home: Home, moment: datetime) -> str:
    babel_locale = language(case.language).babel_locale_for_formats
    pattern = _ENGLISH_STYLE if babel_locale.startswith("en") else _SPANISH_STYLE
    return format_datetime(moment, case.language, home.timezone, pattern)


def after_quiet_hours(home: Home, now: datetime) -> datetime | None:
    """The end of the home's quiet hours if ``now`` falls inside them, else None."""
    zone = ZoneInfo(home.timezone)
    local = now.astimezone(zone)
    start, end = home.quiet_start, home.quiet_end
    clock = local.time()
    inside = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not inside or start == end:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end.hour, end.minute), zone)


async def tell(uow: UnitOfWork, case: Adolescent, text: str, *, dedupe_key: str) -> bool:
    """Queue ``text`` for the adolescent's active chat. False when it may not be sent."""
    if case.status is CaseStatus.CLOSED or not (await consent.state(uow, case)).valid:
        return False
    links = await active_links_of(uow, case.id)
    if not links:
        return False
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    link = links[0]
    await outbox.enqueue(
        uow,
        channel=link.channel,
        external_chat_id=link.external_id,
        adolescent_id=case.id,
        payload=screen(text),
        dedupe_key=dedupe_key,
        not_before=after_quiet_hours(home, uow.now()),
    )
    return True


async def appointment_changed(
    uow: UnitOfWork, case: Adolescent, appointment: Appointment, change: str
) -> bool:
    """Tell the adolescent about a new, moved or cancelled appointment."""
    home = await uow.session.get(Home, case.home_id)
    assert home is not None
    t = translator(case.language)
    when = when_for(case, home, appointment.starts_at)
    if change == "scheduled" and appointment.place:
        # Translators: to the adolescent. {title} is what the appointment is, {when} a
        # day and time ("jueves 12 de marzo a las 10:00"), {place} where it is.
        text = t.gettext("📅 Tienes una cita nueva: {title}.\n{when}, en {place}.").format(
            title=appointment.title, when=_capitalized(when), place=appointment.place
        )
    elif change == "scheduled":
        # Translators: to the adolescent. {title} is what the appointment is, {when} a
        # day and time ("jueves 12 de marzo a las 10:00").
        text = t.gettext("📅 Tienes una cita nueva: {title}.\n{when}.").format(
            title=appointment.title, when=_capitalized(when)
        )
    elif change == "moved":
        # Translators: to the adolescent. {title} is what the appointment is, {when} the
        # new day and time.
        text = t.gettext("🔁 Tu cita cambió de fecha: {title}.\nAhora es el {when}.").format(
            title=appointment.title, when=when
        )
    else:
        # Translators: to the adolescent. {title} is what the appointment was, {when}
        # its day and time. Their team reads what they write in the chat.
        text = t.gettext(
            "❌ Se canceló tu cita: {title} ({when}).\n"
            "Si tienes dudas, escribe aquí y le llega a tu equipo."
        ).format(title=appointment.title, when=when)
    stamp = int(uow.now().timestamp())
    return await tell(
        uow, case, text, dedupe_key=f"console:appointment:{appointment.id}:{change}:{stamp}"
    )


async def step_confirmed(uow: UnitOfWork, case: Adolescent, step: Step, by_name: str) -> bool:
    """Tell the adolescent that a step she marked done was seen and confirmed."""
    t = translator(case.language)
    # Translators: to the adolescent, after staff confirm a step she marked done.
    # {name} is the first name of who confirmed it, {step} what the step was.
    text = t.gettext("✅ {name} confirmó tu paso: {step}.\n¡Bien hecho! Vas avanzando en tu plan.")
    return await tell(
        uow,
        case,
        text.format(name=by_name, step=step.title),
        dedupe_key=f"console:step:{step.id}:confirmed",
    )


async def operator_changed(uow: UnitOfWork, case: Adolescent, name: str) -> bool:
    """Tell the adolescent who her new reference operator is, in words she can take in."""
    t = translator(case.language)
    # Translators: to the adolescent, when her reference operator changes. {name} is
    # the first name of the new person; "lo que escribas aquí" is this chat.
    text = t.gettext(
        "👋 Desde hoy te acompaña {name}.\n"
        "{name} ya conoce tu plan. Lo que escribas aquí le llega a {name}."
    )
    stamp = int(uow.now().timestamp())
    return await tell(
        uow, case, text.format(name=name), dedupe_key=f"console:operator:{case.id}:{stamp}"
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
