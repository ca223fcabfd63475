"""How the chat says a day and a time: "Mañana, martes 12 de marzo a las 10:00".

The one place every message to the adolescent takes its dates from (the dialogs,
the scheduler's reminders, the news of what staff changed), always in the home's
time zone. The patterns are Babel (CLDR) patterns that translators reorder for their
language, so the same words read naturally in each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from locales import format_date, format_time, translator


def day(value: date, lang: str) -> str:
    """A calendar day: "martes 12 de marzo"."""
    # Translators: a date pattern of Babel (CLDR), not words: EEEE is the weekday,
    # d the day, MMMM the month's name; text in quotes is printed as is. Reorder
    # it for your language; "EEEE, MMMM d" in English.
    return format_date(value, lang, translator(lang).gettext("EEEE d 'de' MMMM"))


def day_of_month(value: date, lang: str) -> str:
    """A calendar day without its weekday: "12 de marzo"."""
    # Translators: a date pattern of Babel (CLDR), not words: d is the day, MMMM the
    # month's name; text in quotes is printed as is. "MMMM d" in English.
    return format_date(value, lang, translator(lang).gettext("d 'de' MMMM"))


def clock(moment: datetime, lang: str, zone: ZoneInfo) -> str:
    """The time of day at the home: "10:00"."""
    # Translators: a time pattern of Babel (CLDR), not words: HH:mm is the time on the
    # 24-hour clock ("10:00"). "h:mm a" in English.
    return format_time(moment, lang, zone, translator(lang).gettext("HH:mm"))


def at(moment: datetime, lang: str, zone: ZoneInfo) -> str:
    """An instant without "today" or "tomorrow": "martes 12 de marzo a las 10:00"."""
    t = translator(lang)
    words = {"date": day(moment.astimezone(zone).date(), lang), "time": clock(moment, lang, zone)}
    # Translators: a day and a time, in the middle of a sentence. {date} is the
    # weekday and date ("martes 12 de marzo"), {time} the time of day ("10:00").
    return t.gettext("{date} a las {time}").format(**words)


def when(moment: datetime, lang: str, zone: ZoneInfo, now: datetime) -> str:
    """An instant as the chat says it, near days by name: "Mañana, martes 12 de marzo
    a las 10:00"; "El jueves 14 de marzo a las 10:00" further away."""
    t = translator(lang)
    local_day = moment.astimezone(zone).date()
    today = now.astimezone(zone).date()
    words = {"date": day(local_day, lang), "time": clock(moment, lang, zone)}
    if local_day == today:
        # Translators: when an appointment is. {date} is the weekday and date
        # ("martes 12 de marzo"), {time} the time of day ("10:00").
        return t.gettext("Hoy, {date} a las {time}").format(**words)
    if local_day == today + timedelta(days=1):
        # Translators: when an appointment is. {date} is the weekday and date
        # ("martes 12 de marzo"), {time} the time of day ("10:00").
        return t.gettext("Mañana, {date} a las {time}").format(**words)
    if local_day == today - timedelta(days=1):
        # Translators: when an appointment was. {date} is the weekday and date
        # ("lunes 11 de marzo"), {time} the time of day ("10:00").
        return t.gettext("Ayer, {date} a las {time}").format(**words)
    # Translators: when an appointment is. {date} is the weekday and date
    # ("jueves 14 de marzo"), {time} the time of day ("10:00").
    return t.gettext("El {date} a las {time}").format(**words)
