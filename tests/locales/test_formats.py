from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from locales import format_date, format_datetime, format_number, format_time

MEXICO = "America/Mexico_City"
# 16:00 UTC on 12 March 2025 is 10:00 in Mexico City (UTC-6, no daylight saving time).
INSTANT = datetime(2025, 3, 12, 16, 0, tzinfo=UTC)


def test_formats_for_quc_use_es_mx_data() -> None:
    assert format_date(date(2025, 3, 12), "quc", format="long") == "12 de marzo de 2025"
    assert format_date(date(2025, 3, 12), "kjb", format="full") == (
        format_date(date(2025, 3, 12), "es", format="full")
    )
    assert format_datetime(INSTANT, "quc", MEXICO, format="EEEE d") == "miércoles 12"


def test_english_uses_english_words() -> None:
    assert format_date(date(2025, 3, 12), "en", format="long") == "March 12, 2025"


def test_datetime_is_shown_in_the_given_time_zone() -> None:
    assert format_datetime(INSTANT, "es", MEXICO, format="HH:mm") == "10:00"
    assert format_datetime(INSTANT, "es", ZoneInfo("America/Tijuana"), format="HH:mm") == "09:00"
    assert format_time(INSTANT, "es", MEXICO, format="HH:mm") == "10:00"


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2025, 3, 12, 16, 0), "es", MEXICO)


def test_format_time_needs_a_zone_for_a_datetime() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_time(INSTANT, "es")


def test_format_date_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        format_date(INSTANT, "es")


def test_wall_clock_time_is_formatted_as_it_is() -> None:
    assert format_time(time(18, 0), "mam", format="HH:mm") == "18:00"


def test_number_uses_the_format_locale() -> None:
    assert format_number(1234.5, "kek") == format_number(1234.5, "es") == "1,234.5"


def test_unsupported_language_has_no_formats() -> None:
    with pytest.raises(KeyError):
        format_number(1, "fr")
