"""Dates, times and numbers in a chat's language, with Babel.

Datetimes are stored as aware UTC and shown in the home's IANA time zone. Languages
without CLDR data borrow the formats of `Language.babel_locale_for_formats`.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import dates, numbers

from locales.languages import language


def _locale(code: str) -> str:
    return language(code).babel_locale_for_formats


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
    return value


def format_date(d: date, code: str, format: str = "medium") -> str:
    """A calendar date; for an instant, use format_datetime with a date pattern."""
    if isinstance(d, datetime):
        raise TypeError(
            "format_date takes a date: a datetime needs a time zone, use format_datetime"
        )
    return dates.format_date(d, format=format, locale=_locale(code))


def format_datetime(dt: datetime, code: str, tz: str | tzinfo, format: str = "medium") -> str:
    """An aware datetime shown in time zone `tz`; `format` is a Babel name or pattern."""
    return dates.format_datetime(_aware(dt), format=format, tzinfo=_zone(tz), locale=_locale(code))


def format_time(
    value: datetime | time, code: str, tz: str | tzinfo | None = None, format: str = "short"
) -> str:
    """An aware datetime's time in `tz`, or a wall-clock `time` as it is."""
    if isinstance(value, datetime):
        if tz is None:
            raise ValueError("format_time needs a time zone for a datetime")
        zone = _zone(tz)
        return dates.format_time(_aware(value), format=format, tzinfo=zone, locale=_locale(code))
    return dates.format_time(value, format=format, locale=_locale(code))


def format_number(number: int | float | Decimal, code: str) -> str:
    return numbers.format_decimal(number, locale=_locale(code))
