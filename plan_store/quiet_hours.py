"""Quiet hours: a home's night, when nothing that can wait is sent.

The period is given in the home's wall-clock time (default 21:00-08:00) and may run
over midnight. Times are computed in the home's IANA time zone, so the end of the
night stays 08:00 local on the nights daylight-saving time starts or ends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def in_quiet_hours(now: datetime, start: time, end: time, timezone: str) -> bool:
    """Whether the aware instant ``now`` falls in the quiet period of that zone."""
    if start == end:
        return False
    local = now.astimezone(ZoneInfo(timezone)).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_period_end(now: datetime, start: time, end: time, timezone: str) -> datetime:
    """The first instant after ``now`` when the quiet period is over (aware UTC).

    Only meaningful while ``in_quiet_hours``; for any other instant it is the next
    local ``end`` time."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    day = local.date()
    for offset in range(3):
        candidate = local_instant(day + timedelta(days=offset), end, zone)
        if candidate > now:
            return candidate
    raise AssertionError("a wall-clock time recurs within three days")


def held_until(now: datetime, start: time, end: time, timezone: str) -> datetime | None:
    """The end of the quiet period if ``now`` falls in it, else None: what can wait
    is held until then."""
    if not in_quiet_hours(now, start, end, timezone):
        return None
    return quiet_period_end(now, start, end, timezone)


def local_instant(day: date, wall: time, timezone: str | ZoneInfo) -> datetime:
    """``wall`` o'clock on ``day`` in the zone, as aware UTC.

    A wall time skipped by a spring-forward gap (02:30 on that night) is read with
    the offset before the change, so it lands as many minutes after the gap."""
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    return naive.replace(tzinfo=zone).astimezone(UTC)
