"""What staff changed that concerns the adolescent, said in her chat.

The console records what happened (an ``AppointmentChanged``, a ``StepConfirmed``,
an ``OperatorChanged``, a ``ProcedureMoved``); the words she reads are written here,
in her language, with dates in her home's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from dialogs import dates, family_papers
from dialogs.screens import Screen
from locales import Translator, translator
from plan_store.enums import LegalKind, LegalStage


class Change(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class AppointmentChanged:
    title: str
    place: str
    starts_at: datetime
    change: Change


@dataclass(frozen=True, slots=True)
class StepConfirmed:
    step: str
    by: str
    """The first name of who confirmed it."""


@dataclass(frozen=True, slots=True)
class OperatorChanged:
    name: str
    """The first name of her new reference operator."""


@dataclass(frozen=True, slots=True)
class ProcedureMoved:
    """Her legal or migration procedure reached a new step."""

    kind: LegalKind
    stage: LegalStage


News = AppointmentChanged | StepConfirmed | OperatorChanged | ProcedureMoved


def screen(news: News, lang: str, zone: ZoneInfo) -> Screen:
    """The screen that tells her ``news``."""
    t = translator(lang)
    if isinstance(news, AppointmentChanged):
        text = _appointment(t, news, dates.at(news.starts_at, lang, zone))
    elif isinstance(news, ProcedureMoved):
        # Translators: to the adolescent, when her procedure reaches a new step. {title}
        # names the procedure ("📄 Tu trámite para pedir refugio en México"), {step} the
        # step it is at now ("tu entrevista"); «📄 Mis papeles» is a button of her goals.
        text = t.gettext("{title}\n👉 Ahora: {step}\nEn «📄 Mis papeles» ves lo que sigue.").format(
            title=t.gettext(family_papers.KINDS[news.kind]),
            step=t.gettext(family_papers.STAGES[news.stage]),
        )
    elif isinstance(news, StepConfirmed):
        # Translators: to the adolescent, after staff confirm a step she marked done.
        # {name} is the first name of who confirmed it, {step} what the step was.
        text = t.gettext(
            "✅ {name} confirmó tu paso: {step}.\n¡Bien hecho! Vas avanzando en tu plan."
        ).format(name=news.by, step=news.step)
    else:
        # Translators: to the adolescent, when her reference operator changes. {name} is
        # the first name of the new person; "lo que escribas aquí" is this chat.
        text = t.gettext(
            "👋 Desde hoy te acompaña {name}.\n"
            "{name} ya conoce tu plan. Lo que escribas aquí le llega a {name}."
        ).format(name=news.name)
    return Screen(text, language=lang)


def _appointment(t: Translator, news: AppointmentChanged, when: str) -> str:
    if news.change is Change.SCHEDULED and news.place:
        # Translators: to the adolescent. {title} is what the appointment is, {when} a
        # day and time ("jueves 12 de marzo a las 10:00"), {place} where it is.
        return t.gettext("📅 Tienes una cita nueva: {title}.\n{when}, en {place}.").format(
            title=news.title, when=_capitalized(when), place=news.place
        )
    if news.change is Change.SCHEDULED:
        # Translators: to the adolescent. {title} is what the appointment is, {when} a
        # day and time ("jueves 12 de marzo a las 10:00").
        return t.gettext("📅 Tienes una cita nueva: {title}.\n{when}.").format(
            title=news.title, when=_capitalized(when)
        )
    if news.change is Change.MOVED:
        # Translators: to the adolescent. {title} is what the appointment is, {when} the
        # new day and time.
        return t.gettext("🔁 Tu cita cambió de fecha: {title}.\nAhora es el {when}.").format(
            title=news.title, when=when
        )
    # Translators: to the adolescent. {title} is what the appointment was, {when}
    # its day and time. Their team reads what they write in the chat.
    return t.gettext(
        "❌ Se canceló tu cita: {title} ({when}).\n"
        "Si tienes dudas, escribe aquí y le llega a tu equipo."
    ).format(title=news.title, when=when)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
