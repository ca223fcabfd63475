"""Jinja2 environments, one per console language, with autoescaping always on.

Each environment has its language's translator installed (``{{ _("...") }}``,
``{% trans %}``) and the formatting helpers, so a template never formats a date or a
label by hand. Times are shown in a time zone the caller passes: the home's.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from locales import (
    Translator,
    format_date,
    format_datetime,
    format_time,
    is_supported,
    language,
    translator,
)
from plan_store.enums import (
    AppointmentKind,
    FlagCategory,
    GoalStatus,
    Horizon,
    Phase,
    Programme,
)
from staff_console.labels import label

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
CONSOLE_LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"

# Compact patterns for staff: weekday, day, month and time, in each language's order.
_DATETIME_PATTERNS = {"es": "EEE d MMM yyyy, HH:mm", "en": "EEE, MMM d, yyyy, h:mm a"}
_DATE_PATTERNS = {"es": "EEE d MMM yyyy", "en": "EEE, MMM d, yyyy"}


def static_versions() -> dict[str, str]:
    """A short content hash per static file, for cache-busting URLs."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC_DIR.iterdir()
        if path.is_file()
    }


def duration(t: Translator, delta: timedelta) -> str:
    """How long something has waited, in at most two units."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        # Translators: a waiting time in minutes, e.g. "12 min".
        return t.gettext("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        # Translators: a waiting time, e.g. "2 h 15 min".
        return t.gettext("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    # Translators: a waiting time, e.g. "3 d 4 h" (days and hours).
    return t.gettext("{days} d {hours} h").format(days=days, hours=hours)


SYSTEM_FLAGS = frozenset(
    {
        FlagCategory.UNCONFIRMED_APPOINTMENT,
        FlagCategory.MISSED_APPOINTMENT,
        FlagCategory.EVALUATION_DUE,
        FlagCategory.STEP_DUE,
        FlagCategory.DELIVERY_FAILED,
        FlagCategory.CHAT_GONE,
    }
)
"""Flags the system raises about the plan: nobody is waiting for an answer, so the
console says since when, not "waiting: 0 min"."""


def someone_waits(category: object) -> bool:
    return category not in SYSTEM_FLAGS


def span(t: Translator, delta: timedelta) -> str:
    """A short time span: seconds under a minute, else as ``duration``."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        # Translators: a short time span in seconds, e.g. "40 s".
        return t.gettext("{seconds} s").format(seconds=seconds)
    return duration(t, delta)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Templates:
    def __init__(self, *, demo: bool, globals_: Mapping[str, Any] | None = None) -> None:
        self.versions = static_versions()
        self.envs = {
            code: self._environment(code, demo, globals_ or {}) for code in CONSOLE_LANGUAGES
        }

    def render(self, lang: str, name: str, context: Mapping[str, Any]) -> str:
        env = self.envs.get(lang) or self.envs[DEFAULT_LANGUAGE]
        return env.get_template(name).render(context)

    def static_url(self, name: str) -> str:
        return f"/static/{name}?v={self.versions.get(name, '0')}"

    def _environment(self, code: str, demo: bool, extra: Mapping[str, Any]) -> Environment:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        t = translator(code)
        env.install_gettext_translations(t, newstyle=True)  # type: ignore[attr-defined]
        env.globals.update(
            programmes=list(Programme),
            horizons=list(Horizon),
            goal_statuses=list(GoalStatus),
            appointment_kinds=list(AppointmentKind),
            phases=list(Phase),
            someone_waits=someone_waits,
            language_name=_language_name,
            lang=code,
            other_lang="en" if code == "es" else "es",
            demo=demo,
            label=partial(label, t),
            static=self.static_url,
            **extra,
        )
        env.filters.update(
            when=partial(_when, code),
            clock=partial(_clock, code),
            day=partial(_day, code),
            waited=partial(_waited, t),
            span=partial(span, t),
            iso=_iso,
            local_input=_local_input,
        )
        return env


@functools.lru_cache(maxsize=4096)
def _when(code: str, value: datetime | None, tz: str) -> str:
    """Kept for the next render: a dashboard shows the same moments again and again
    (its urgent list is polled), and Babel takes a while over each one."""
    if value is None:
        return "—"
    return format_datetime(value, code, tz, _DATETIME_PATTERNS[code])


def _clock(code: str, value: datetime, tz: str) -> str:
    return format_time(value, code, tz)


def _day(code: str, value: date | None) -> str:
    if value is None:
        return "—"
    return format_date(value, code, _DATE_PATTERNS[code])


def _waited(t: Translator, since: datetime, now: datetime) -> str:
    return duration(t, now - since)


def _language_name(code: str) -> str:
    return language(code).native_name if is_supported(code) else code


def _iso(value: datetime | date) -> str:
    return value.isoformat()


def _local_input(value: datetime, tz: str) -> str:
    """The value of a ``datetime-local`` input: wall-clock time in the home's zone."""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


@functools.cache
def shared_templates(demo: bool) -> Templates:
    """One set of environments per process: compiled templates are reused by every app."""
    return Templates(demo=demo)
