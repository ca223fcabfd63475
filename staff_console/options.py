"""Tunable numbers of the console, with the defaults a home works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from plan_store.services.staff import LoginLimits
from plan_store.services.staff_sessions import Lifetimes


@dataclass(frozen=True, slots=True)
class ConsoleOptions:
    idle_timeout: timedelta = timedelta(minutes=30)
    """A session unused this long must log in again."""
    absolute_timeout: timedelta = timedelta(hours=12)
    """No session lives longer than this, however busy."""
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    totp_for_operators: bool = True
    """Operators sign in with a second factor too (``RUMBO_TOTP_OPERATORS``);
    coordinators and admins always do."""
    silent_after: timedelta = timedelta(days=7)
    """An adolescent with a linked chat and no message for this long shows as silent."""
    evaluation_due_within_days: int = 3
    unconfirmed_within: timedelta = timedelta(hours=48)
    missed_lookback: timedelta = timedelta(days=14)
    section_limit: int = 10
    """Rows per dashboard section; the rest is counted."""
    urgent_limit: int = 20
    """Urgent items the dashboard lists; the rest is counted, and listed on request."""
    timeline_page: int = 30
    caseload_page: int = 50
    poll_seconds: int = 12
    """How often the dashboard asks for new urgent items (with JavaScript)."""
    max_body_bytes: int = 256 * 1024
    max_upload_bytes: int = 8 * 1024 * 1024 + 64 * 1024
    """A voice prompt's upload: a browser recording or an audio file of up to 8 MB
    (stored as OGG/Opus of at most 1 MB) and the form around it."""
    audit_page: int = 50

    @property
    def lifetimes(self) -> Lifetimes:
        return Lifetimes(idle=self.idle_timeout, absolute=self.absolute_timeout)

    timezone: str = "America/Mexico_City"
    """The installation's time zone (``RUMBO_TIMEZONE``): times that belong to no home,
    such as the audit log's, are shown and filtered in it."""
