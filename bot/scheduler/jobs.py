"""The scheduled jobs: plain functions of ``(uow, now)``, run by the ticker.

Every job sweeps our own tables and decides from them what is due at ``now``;
nothing is kept in the scheduler between runs. Each message and flag a job makes
carries a dedupe key (unique in the database), so running a job twice, or in two
processes at once, sends and flags once. A job returns how many messages or flags it
made, and never commits: the caller does. A job that sends messages reads what it
needs (chats, languages, consent, which keys are taken) for all its cases at once, a
few queries per ``CHUNK`` of cases rather than per case, and adds its messages in one
statement at its end: a catch-up of thousands of reminders takes seconds.

Messages go only to a chat linked to an open case whose consent for messaging is in
force (the re-consent prompt at 18 is the one exception: it asks for that consent),
in the chat's language, dated in the home's time zone. They are not urgent: the
outbox holds them during the home's quiet hours.

Catching up (a scheduler stopped for a while): for each appointment only the latest
reminder whose time has come is sent, and none once it has started; "did you go?"
is asked up to three days after; check-ins send only the latest due one; a step is
reminded only on its due day. What is left goes out in order, oldest appointment
first.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select

from bot.outbox.quiet import local_instant
from bot.whatsapp.templates import has_own_translation
from dialogs import agreements, follow_up_consent, pre_evaluation, proposals, reminders
from dialogs.common import first_name
from dialogs.follow_up import checkin_key
from locales import format_date, format_datetime, is_supported, translator
from plan_store.crypto import Cipher
from plan_store.enums import (
    AppointmentStatus,
    CaseStatus,
    Channel,
    ConsentPurpose,
    FlagCategory,
    GoalStatus,
    Severity,
)
from plan_store.models import (
    Adolescent,
    Appointment,
    ChatLink,
    ChatSession,
    Evaluation,
    Flag,
    FollowUpCheckin,
    Goal,
    Home,
    LifePlan,
    OutboxMessage,
    Proposal,
    Staff,
    Step,
)
from plan_store.services import (
    appointments,
    chats,
    consent,
    evaluation_voice,
    flags,
    follow_up,
    outbox,
)
from plan_store.services import proposals as proposal_service
from plan_store.services.cases import twenty_first_birthday
from plan_store.services.consent import ConsentState
from plan_store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=2))
"""Before an appointment. Whole days count on the home's calendar ("the day before,
at the same time"), whatever daylight-saving time does in between."""
ATTENDANCE_AFTER = timedelta(hours=3)
ATTENDANCE_WINDOW = timedelta(days=3)
UNCONFIRMED_BEFORE = timedelta(hours=48)
MISSED_AFTER = timedelta(hours=24)
"""An appointment with no answer about attendance this long after it started is
flagged as missed (the adolescent may have gone: staff check)."""
LOOKBACK = timedelta(days=14)
EVALUATION_LEAD_DAYS = 2
STEP_REMINDER_AT = time(9, 0)
STEP_OVERDUE_LOOKBACK_DAYS = 30
CHECKIN_EVERY_MONTHS = 1
CHECKIN_AT = time(10, 0)
CHECKIN_TTL = timedelta(days=7)
ADULTHOOD_YEARS = 18

ADOLESCENT_RESPONSIBLE = frozenset(
    {"adolescente", "el adolescente", "la adolescente", "el/la adolescente", "yo", "tú", "tu"}
)
"""How staff write, in a step's "responsible", that the step is the adolescent's
(besides their alias)."""

REMINDABLE = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
ANSWERED = (AppointmentStatus.ATTENDED, AppointmentStatus.MISSED)
OPEN_GOAL = (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS)
CHUNK = 500


# ------------------------------------------------------------------ shared


@dataclass(frozen=True, slots=True)
class Target:
    """Where a case's messages go: its most recently linked chat, in its language."""

    channel: Channel
    chat_id: str
    lang: str


class Targets:
    """Where each case's messages may go, for one job run.

    A case's chat is its most recently linked one; messages go there only for an
    open case whose consent for messaging is in force (``purposes`` adds purposes
    the adolescent must have said yes to). Consent is read through the consent
    service, so that its rules stay in one place. ``preload`` loads links, chat
    languages and consent states for many cases at once, a few queries per ``CHUNK``
    of cases; a case not preloaded is loaded on its own.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._chats: dict[int, Target | None] = {}
        self._consents: dict[tuple[int, ConsentPurpose], ConsentState] = {}

    async def preload(
        self, cases: Iterable[Adolescent], purposes: Sequence[ConsentPurpose] = ()
    ) -> None:
        """Load what ``of`` needs for ``cases`` (and ``consent_of`` for ``purposes``)."""
        wanted = list(cases)
        await self._load_chats(wanted)
        reachable = [case for case in wanted if self._chats[case.id] is not None]
        for purpose in (ConsentPurpose.MESSAGING, *purposes):
            await self._load_consents(reachable, purpose)

    async def _load_chats(self, cases: Sequence[Adolescent]) -> None:
        wanted = {case.id: case for case in cases if case.id not in self._chats}
        ids = list(wanted)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            links = await self._uow.session.scalars(
                select(ChatLink)
                .where(ChatLink.active, ChatLink.adolescent_id.in_(chunk))
                .order_by(ChatLink.linked_at.desc(), ChatLink.id.desc())
            )
            newest: dict[int, ChatLink] = {}
            for link in links:
                newest.setdefault(link.adolescent_id, link)
            sessions = await self._uow.session.scalars(
                select(ChatSession).where(
                    ChatSession.external_id.in_([link.external_id for link in newest.values()])
                )
            )
            languages = {(s.channel, s.external_id): s.language for s in sessions}
            for case_id in chunk:
                found = newest.get(case_id)
                if found is None:
                    self._chats[case_id] = None
                else:
                    chosen = languages.get((found.channel, found.external_id))
                    self._chats[case_id] = _target(found, chosen, wanted[case_id])

    async def _load_consents(self, cases: Sequence[Adolescent], purpose: ConsentPurpose) -> None:
        wanted = [case for case in cases if (case.id, purpose) not in self._consents]
        if wanted:
            for case_id, state in (await consent.states(self._uow, wanted, purpose)).items():
                self._consents[case_id, purpose] = state

    async def consent_of(
        self, case: Adolescent, purpose: ConsentPurpose = ConsentPurpose.MESSAGING
    ) -> ConsentState:
        """The case's consent state for ``purpose`` (``consent.state``)."""
        if (case.id, purpose) not in self._consents:
            await self._load_consents([case], purpose)
        return self._consents[case.id, purpose]

    async def chat_of(self, case: Adolescent) -> Target | None:
        """The case's chat, consent or not (for the re-consent prompt)."""
        if case.id not in self._chats:
            await self._load_chats([case])
        return self._chats[case.id]

    async def of(
        self, case: Adolescent, *, purposes: Sequence[ConsentPurpose] = ()
    ) -> Target | None:
        if case.status is CaseStatus.CLOSED:
            return None
        chat = await self.chat_of(case)
        if chat is None or not (await self.consent_of(case)).valid:
            return None
        for purpose in purposes:
            if not (await self.consent_of(case, purpose)).allows:
                return None
        return chat


def _target(link: ChatLink, chosen: str | None, case: Adolescent) -> Target:
    lang = "es"
    if chosen and is_supported(chosen):
        lang = chosen
    elif is_supported(case.language):
        lang = case.language
    return Target(link.channel, link.external_id, lang)


async def target_of(
    uow: UnitOfWork, case: Adolescent, *, purposes: Sequence[ConsentPurpose] = ()
) -> Target | None:
    """Where one case's messages may go now, if anywhere (see ``Targets``)."""
    return await Targets(uow).of(case, purposes=purposes)


def _full(made: int, limit: int | None) -> bool:
    return limit is not None and made >= limit


def _message(
    target: Target,
    case: Adolescent,
    payload: dict[str, Any],
    key: str,
    now: datetime,
    *,
    expires_at: datetime | None = None,
) -> outbox.Outgoing:
    """A message under ``key``, which the job has found free (``_existing``); the job
    adds all of its messages at once at its end (``outbox.enqueue_many``)."""
    return outbox.Outgoing(
        channel=target.channel,
        external_chat_id=target.chat_id,
        adolescent_id=case.id,
        payload=payload,
        dedupe_key=key,
        urgent=False,
        not_before=now,
        expires_at=expires_at,
    )


async def _existing(uow: UnitOfWork, column: Any, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are already in ``column`` (a unique dedupe key column)."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(
            await uow.session.scalars(
                select(column).where(column.in_(wanted[start : start + CHUNK]))
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class _NewFlag:
    """A flag for staff that a job raises once: unless one under ``key`` exists."""

    case_id: int
    key: str
    category: FlagCategory
    severity: Severity
    detail: str


async def _raise_new_flags(uow: UnitOfWork, planned: Sequence[_NewFlag], limit: int | None) -> int:
    """Raise, in order, each of ``planned`` whose key is not taken yet (``limit`` at most)."""
    existing = await _existing(uow, Flag.dedupe_key, (flag.key for flag in planned))
    made = 0
    for flag in planned:
        if flag.key in existing:
            continue
        await flags.raise_flag(
            uow,
            flag.case_id,
            category=flag.category,
            severity=flag.severity,
            detail=flag.detail,
            dedupe_key=flag.key,
        )
        made += 1
        if _full(made, limit):
            break
    return made


def start_mark(cipher: Cipher, appointment_id: int, starts_at: datetime) -> str:
    """A keyed hash of when an appointment starts: a key carries it (so a moved
    appointment is reminded again) without saying the time, which is encrypted."""
    return cipher.lookup_hash(f"appt:{appointment_id}:{int(starts_at.timestamp())}")[:20]


def start_marks(cipher: Cipher, appointment_id: int, starts_at: datetime) -> list[str]:
    """The mark under every key, so that keys made before a key rotation still match."""
    value = f"appt:{appointment_id}:{int(starts_at.timestamp())}"
    return [h[:20] for h in cipher.lookup_hashes(value)]


def appointment_key(cipher: Cipher, appointment: Appointment, what: str) -> str:
    mark = start_mark(cipher, appointment.id, appointment.starts_at)
    return f"appt:{appointment.id}:{mark}:{what}"


def reminder_time(starts_at: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """When the reminder ``offset`` before ``starts_at`` is due. Whole days are taken
    on the home's calendar: the day before at the same local time, even when the
    clocks change in between."""
    day = timedelta(days=1)
    if offset >= day and offset % day == timedelta(0):
        wall = starts_at.astimezone(zone).replace(tzinfo=None) - offset
        return local_instant(wall.date(), wall.time(), zone)
    return starts_at - offset


def _staff_when(moment: datetime, zone: ZoneInfo) -> str:
    return format_datetime(moment, "es", zone, "EEE d 'de' MMM, HH:mm")


def _open_cases() -> ColumnElement[bool]:
    return Adolescent.status != CaseStatus.CLOSED


async def _appointments(
    uow: UnitOfWork,
    statuses: Sequence[AppointmentStatus],
    after: datetime,
    until: datetime,
) -> list[tuple[Appointment, Adolescent, Home]]:
    """Appointments of open cases in these states starting in ``(after, until]``,
    soonest first. ``starts_at`` is encrypted: the window comes from the index of
    start times (``appointments.start_times``), the rows from the database."""
    times = await appointments.start_times(uow)
    wanted = [
        row_id for row_id, _ in times.matching(statuses, lambda s: after < s.starts_at <= until)
    ]
    found: list[tuple[Appointment, Adolescent, Home]] = []
    for first in range(0, len(wanted), CHUNK):
        rows = await uow.session.execute(
            select(Appointment, Adolescent, Home)
            .join(Adolescent, Adolescent.id == Appointment.adolescent_id)
            .join(Home, Home.id == Adolescent.home_id)
            .where(
                _open_cases(),
                Appointment.id.in_(wanted[first : first + CHUNK]),
                Appointment.status.in_(list(statuses)),
            )
        )
        found += [(a, c, h) for a, c, h in rows.all() if after < a.starts_at <= until]
    return sorted(found, key=lambda row: (row[0].starts_at, row[0].id))


# ------------------------------------------------------------------ appointments


async def appointment_reminders(
    uow: UnitOfWork,
    now: datetime,
    *,
    offsets: Sequence[timedelta] = REMINDER_OFFSETS,
    limit: int | None = None,
) -> int:
    """Remind the adolescent of each coming appointment, with its buttons."""
    if not offsets:
        return 0
    await _cancel_stale_appointment_messages(uow, now)
    found = await _appointments(uow, REMINDABLE, now, now + max(offsets) + timedelta(hours=2))
    due: list[tuple[Appointment, Adolescent, ZoneInfo, str]] = []
    for appointment, case, home in found:
        zone = ZoneInfo(home.timezone)
        opened = [o for o in offsets if reminder_time(appointment.starts_at, o, zone) <= now]
        if opened:
            minutes = int(min(opened).total_seconds() // 60)
            key = appointment_key(uow.cipher, appointment, f"remind:{minutes}m")
            due.append((appointment, case, zone, key))
    existing = await _existing(uow, OutboxMessage.dedupe_key, (d[3] for d in due))
    due = [item for item in due if item[3] not in existing]
    targets = Targets(uow)
    await targets.preload(case for _, case, _, _ in due)
    queued: list[outbox.Outgoing] = []
    for appointment, case, zone, key in due:
        target = await targets.of(case)
        if target is None:
            continue
        payload = reminders.appointment_reminder(appointment, case.alias, target.lang, zone, now)
        queued.append(_message(target, case, payload, key, now, expires_at=appointment.starts_at))
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def attendance_checks(
    uow: UnitOfWork,
    now: datetime,
    *,
    after: timedelta = ATTENDANCE_AFTER,
    window: timedelta = ATTENDANCE_WINDOW,
    limit: int | None = None,
) -> int:
    """ "Did you go?" a few hours after an appointment nobody has answered about."""
    found = await _appointments(uow, REMINDABLE, now - window, now - after)
    keyed = [(a, c, h, appointment_key(uow.cipher, a, "went")) for a, c, h in found]
    existing = await _existing(uow, OutboxMessage.dedupe_key, (k for *_, k in keyed))
    keyed = [item for item in keyed if item[3] not in existing]
    targets = Targets(uow)
    await targets.preload(case for _, case, _, _ in keyed)
    queued: list[outbox.Outgoing] = []
    for appointment, case, home, key in keyed:
        target = await targets.of(case)
        if target is None:
            continue
        zone = ZoneInfo(home.timezone)
        payload = reminders.attendance_question(appointment, case.alias, target.lang, zone, now)
        expires_at = appointment.starts_at + window
        queued.append(_message(target, case, payload, key, now, expires_at=expires_at))
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def _cancel_stale_appointment_messages(uow: UnitOfWork, now: datetime) -> None:
    """A reminder still waiting (quiet hours, a retry) for an appointment that was
    moved, cancelled or answered meanwhile must not go out. Only rows still pending
    when the update runs are cancelled: one a sender claimed meanwhile is its own."""
    waiting = await outbox.waiting_keyed(uow, "appt:")
    if not waiting:
        return
    parsed: dict[int, list[tuple[int, str, str]]] = {}
    for row_id, key in waiting:
        parts = (key or "").split(":", 3)  # appt, id, start mark, what
        if len(parts) == 4 and parts[1].isdigit():
            parsed.setdefault(int(parts[1]), []).append((row_id, parts[2], parts[3]))
    appointments = {
        a.id: a
        for a in await uow.session.scalars(
            select(Appointment).where(Appointment.id.in_(list(parsed)))
        )
    }
    stale_ids: list[int] = []
    for appointment_id, rows in parsed.items():
        appointment = appointments.get(appointment_id)
        marks = (
            start_marks(uow.cipher, appointment.id, appointment.starts_at) if appointment else []
        )
        for row_id, mark, what in rows:
            if appointment is None or mark not in marks:
                stale = True
            elif what == "went":
                stale = appointment.status not in REMINDABLE
            else:
                stale = appointment.status not in REMINDABLE or appointment.starts_at <= now
            if stale:
                stale_ids.append(row_id)
    await outbox.cancel_waiting(uow, stale_ids, "the appointment changed")


async def unconfirmed_appointment_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    before: timedelta = UNCONFIRMED_BEFORE,
    limit: int | None = None,
) -> int:
    """Tell staff about an appointment less than two days away that nobody confirmed."""
    found = await _appointments(uow, [AppointmentStatus.SCHEDULED], now, now + before)
    return await _raise_new_flags(
        uow,
        [
            _NewFlag(
                case.id,
                appointment_key(uow.cipher, appointment, "unconfirmed"),
                FlagCategory.UNCONFIRMED_APPOINTMENT,
                Severity.MEDIUM,
                f"Cita sin confirmar: {_appointment_line(appointment, home)}",
            )
            for appointment, case, home in found
        ],
        limit,
    )


async def missed_appointment_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    after: timedelta = MISSED_AFTER,
    lookback: timedelta = LOOKBACK,
    limit: int | None = None,
) -> int:
    """Tell staff about an appointment the adolescent says they missed, or that
    nobody answered about a day after it started."""
    found = await _appointments(uow, [*REMINDABLE, AppointmentStatus.MISSED], now - lookback, now)
    planned: list[_NewFlag] = []
    for appointment, case, home in found:
        if appointment.status is AppointmentStatus.MISSED:
            why = "dijo que no fue"
        elif appointment.starts_at <= now - after:
            why = "nadie respondió si fue"
        else:
            continue
        key = appointment_key(uow.cipher, appointment, "missed")
        detail = f"Cita perdida ({why}): {_appointment_line(appointment, home)}"
        planned.append(
            _NewFlag(case.id, key, FlagCategory.MISSED_APPOINTMENT, Severity.MEDIUM, detail)
        )
    return await _raise_new_flags(uow, planned, limit)


def _appointment_line(appointment: Appointment, home: Home) -> str:
    """How a flag names an appointment: its title and when, in the home's time zone."""
    when = _staff_when(appointment.starts_at, ZoneInfo(home.timezone))
    return f"{appointment.title} — {when}"


# ------------------------------------------------------------------ evaluations and steps


async def evaluation_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    lead_days: int = EVALUATION_LEAD_DAYS,
    limit: int | None = None,
) -> int:
    """The fortnightly evaluation (the home's cadence): a flag when it is near, and
    another once it is overdue."""
    horizon = now.date() + timedelta(days=lead_days + 1)
    rows = await uow.session.execute(
        select(Adolescent, Home)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status == CaseStatus.IN_CARE,
            (Adolescent.next_evaluation_on <= horizon) | Adolescent.next_evaluation_on.is_(None),
        )
        .order_by(Adolescent.id)
    )
    planned: list[_NewFlag] = []
    for case, home in rows.all():
        today = now.astimezone(ZoneInfo(home.timezone)).date()
        next_on = case.next_evaluation_on or await _evaluation_due_on(uow, case, home)
        day = next_on.isoformat()
        if today > next_on:
            key = f"eval:{case.id}:{day}:overdue"
            severity, detail = Severity.MEDIUM, f"Evaluación atrasada: era el {day}"
        elif today >= next_on - timedelta(days=lead_days):
            key = f"eval:{case.id}:{day}:due"
            severity, detail = Severity.LOW, f"Evaluación próxima: el {day}"
        else:
            continue
        planned.append(_NewFlag(case.id, key, FlagCategory.EVALUATION_DUE, severity, detail))
    return await _raise_new_flags(uow, planned, limit)


async def _evaluation_due_on(uow: UnitOfWork, case: Adolescent, home: Home) -> date:
    last = await uow.session.scalar(
        select(Evaluation.held_on)
        .where(Evaluation.adolescent_id == case.id)
        .order_by(Evaluation.held_on.desc())
        .limit(1)
    )
    start = last or case.created_at.astimezone(ZoneInfo(home.timezone)).date()
    return start + timedelta(days=home.evaluation_cadence_days)


def _is_adolescents(step: Step, case: Adolescent) -> bool:
    responsible = " ".join(step.responsible.split()).casefold()
    return responsible == case.alias.strip().casefold() or responsible in ADOLESCENT_RESPONSIBLE


async def _open_steps(
    uow: UnitOfWork, first: date, last: date
) -> list[tuple[Step, Goal, Adolescent, Home]]:
    rows = await uow.session.execute(
        select(Step, Goal, Adolescent, Home)
        .join(Goal, Goal.id == Step.goal_id)
        .join(LifePlan, LifePlan.id == Goal.plan_id)
        .join(Adolescent, Adolescent.id == LifePlan.adolescent_id)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            _open_cases(),
            Goal.status.in_(OPEN_GOAL),
            Step.done_at.is_(None),
            Step.due_on >= first,
            Step.due_on <= last,
        )
        .order_by(Step.due_on, Step.id)
    )
    return [(s, g, c, h) for s, g, c, h in rows.all()]


async def step_reminders(
    uow: UnitOfWork, now: datetime, *, at: time = STEP_REMINDER_AT, limit: int | None = None
) -> int:
    """On a step's due day (from ``at`` local time), a gentle word to the adolescent,
    if the step is theirs."""
    found = await _open_steps(uow, now.date() - timedelta(days=1), now.date() + timedelta(days=1))
    due: list[tuple[Step, Goal, Adolescent, date, ZoneInfo, str]] = []
    for step, goal, case, home in found:
        zone = ZoneInfo(home.timezone)
        local = now.astimezone(zone)
        day = step.due_on
        if day != local.date() or local.time() < at or not _is_adolescents(step, case):
            continue
        due.append((step, goal, case, day, zone, f"step:{step.id}:{day.isoformat()}:remind"))
    existing = await _existing(uow, OutboxMessage.dedupe_key, (d[5] for d in due))
    due = [item for item in due if item[5] not in existing]
    targets = Targets(uow)
    await targets.preload(item[2] for item in due)
    queued: list[outbox.Outgoing] = []
    for step, goal, case, day, zone, key in due:
        target = await targets.of(case)
        if target is None:
            continue
        payload = reminders.step_reminder(step, goal, day, case.alias, target.lang)
        end_of_day = local_instant(day + timedelta(days=1), time(0), zone)
        queued.append(_message(target, case, payload, key, now, expires_at=end_of_day))
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def step_overdue_flags(
    uow: UnitOfWork,
    now: datetime,
    *,
    lookback_days: int = STEP_OVERDUE_LOOKBACK_DAYS,
    limit: int | None = None,
) -> int:
    """A step past its due day and not done: a low flag for staff."""
    found = await _open_steps(
        uow, now.date() - timedelta(days=lookback_days), now.date() + timedelta(days=1)
    )
    late: list[_NewFlag] = []
    for step, _goal, case, home in found:
        day = step.due_on
        if day is not None and day < now.astimezone(ZoneInfo(home.timezone)).date():
            key = f"step:{step.id}:{day.isoformat()}:overdue"
            detail = f"Paso sin hacer: {step.title} (era para el {day.isoformat()})"
            late.append(_NewFlag(case.id, key, FlagCategory.STEP_DUE, Severity.LOW, detail))
    return await _raise_new_flags(uow, late, limit)


# ------------------------------------------------------------------ after care and consent


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the last day of a shorter month)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_checkin_due(case: Adolescent, today: date, every_months: int) -> date | None:
    """The last check-in date on or before ``today``: every ``every_months`` after
    leaving care, until the follow-up ends (and before 21)."""
    if case.left_care_on is None or case.follow_up_until is None:
        return None
    end = min(case.follow_up_until, twenty_first_birthday(case.birth_date) - timedelta(days=1))
    latest = None
    step = 1
    while True:
        due = add_months(case.left_care_on, step * every_months)
        if due > today or due > end:
            return latest
        latest = due
        step += 1


async def follow_up_checkins(
    uow: UnitOfWork,
    now: datetime,
    *,
    every_months: int = CHECKIN_EVERY_MONTHS,
    at: time = CHECKIN_AT,
    limit: int | None = None,
) -> int:
    """After care: a check-in each month (from ``at`` local time on its day) until
    the follow-up ends or the adolescent turns 21. The ``FollowUpCheckin`` row is
    made for staff even when no chat can be reached; its screen goes once."""
    rows = await uow.session.execute(
        select(Adolescent, Home)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status == CaseStatus.FOLLOW_UP,
            Adolescent.follow_up_until >= now.date() - timedelta(days=1),
        )
        .order_by(Adolescent.id)
    )
    due_on: list[tuple[Adolescent, date]] = []
    for case, home in rows.all():
        local = now.astimezone(ZoneInfo(home.timezone))
        due = latest_checkin_due(case, local.date(), every_months)
        if due is not None and not (due == local.date() and local.time() < at):
            due_on.append((case, due))
    made_already = await _checkins(uow, due_on)
    due_on = [(case, due) for case, due in due_on if _open(made_already.get((case.id, due)))]
    purposes = (ConsentPurpose.FOLLOW_UP,)
    targets = Targets(uow)
    await targets.preload((case for case, _ in due_on), purposes)
    queued: list[outbox.Outgoing] = []
    for case, due in due_on:
        checkin = made_already.get((case.id, due))
        if checkin is None:
            checkin = await follow_up.checkin_due(uow, case.id, due)
        if not _open(checkin):
            continue
        target = await targets.of(case, purposes=purposes)
        if target is None:
            continue
        payload = reminders.follow_up_checkin(checkin.id, case.alias, target.lang)
        key = checkin_key(checkin.id)
        queued.append(_message(target, case, payload, key, now, expires_at=now + CHECKIN_TTL))
        checkin.sent_at = now
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def _checkins(
    uow: UnitOfWork, due_on: Sequence[tuple[Adolescent, date]]
) -> dict[tuple[int, date], FollowUpCheckin]:
    """The check-ins already made among ``due_on``, by (case id, day due)."""
    wanted = {(case.id, due) for case, due in due_on}
    ids = sorted({case_id for case_id, _ in wanted})
    days = sorted({due for _, due in wanted})
    found: dict[tuple[int, date], FollowUpCheckin] = {}
    for start in range(0, len(ids), CHUNK):
        rows = await uow.session.scalars(
            select(FollowUpCheckin).where(
                FollowUpCheckin.adolescent_id.in_(ids[start : start + CHUNK]),
                FollowUpCheckin.due_on.in_(days),
            )
        )
        for row in rows:
            if (row.adolescent_id, row.due_on) in wanted:
                found[row.adolescent_id, row.due_on] = row
    return found


def _open(checkin: FollowUpCheckin | None) -> bool:
    """Not made yet, or made and neither sent nor answered."""
    return checkin is None or (checkin.sent_at is None and checkin.answered_at is None)


async def follow_up_consent_asks(
    uow: UnitOfWork, now: datetime, *, limit: int | None = None
) -> int:
    """After care: ask once whether the adolescent wants the monthly check-ins, when
    there is no decision on the current version of the follow-up consent text (a new
    version asks again). Only while the follow-up lasts, and only to a chat whose
    consent for messaging is in force; the answer is taken by
    ``dialogs.follow_up_consent``."""
    purpose = follow_up_consent.PURPOSE
    version = await consent.current_version(uow, purpose)
    rows = await uow.session.execute(
        select(Adolescent, Home)
        .join(Home, Home.id == Adolescent.home_id)
        .where(
            Adolescent.status == CaseStatus.FOLLOW_UP,
            Adolescent.follow_up_until >= now.date() - timedelta(days=1),
        )
        .order_by(Adolescent.id)
    )
    keyed = [
        (case, follow_up_consent.ask_key(case.id, version))
        for case, home in rows.all()
        if follow_up.in_follow_up(case, now.astimezone(ZoneInfo(home.timezone)).date())
    ]
    existing = await _existing(uow, OutboxMessage.dedupe_key, (key for _, key in keyed))
    keyed = [(case, key) for case, key in keyed if key not in existing]
    targets = Targets(uow)
    await targets.preload((case for case, _ in keyed), (purpose,))
    wordings: dict[str, follow_up_consent.Wording] = {}
    queued: list[outbox.Outgoing] = []
    for case, key in keyed:
        target = await targets.of(case)
        if target is None or not (await targets.consent_of(case, purpose)).undecided:
            continue
        if target.lang not in wordings:
            wordings[target.lang] = await follow_up_consent.wording(uow, target.lang)
        words = wordings[target.lang]
        payload = reminders.follow_up_consent_question(
            case.id,
            case.alias,
            target.lang,
            words,
            template_in_language=has_own_translation(
                reminders.FOLLOW_UP_CONSENT_TEMPLATE, target.lang
            ),
        )
        queued.append(_message(target, case, payload, key, now, expires_at=now + CHECKIN_TTL))
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def reconsent_at_18(uow: UnitOfWork, now: datetime, *, limit: int | None = None) -> int:
    """Once, when an adolescent who consented as a minor turns 18: ask again."""
    latest_birth = _years_before(now.date() + timedelta(days=1), ADULTHOOD_YEARS)
    rows = await uow.session.scalars(
        select(Adolescent)
        .join(ChatLink, ChatLink.adolescent_id == Adolescent.id)
        .where(_open_cases(), ChatLink.active)
        .distinct()
        .order_by(Adolescent.id)
    )
    cases = [case for case in rows if case.birth_date <= latest_birth]  # encrypted: here
    keys = {case.id: f"reconsent18:{case.id}" for case in cases}
    existing = await _existing(uow, OutboxMessage.dedupe_key, keys.values())
    cases = [case for case in cases if keys[case.id] not in existing]
    targets = Targets(uow)
    await targets.preload(cases)
    queued: list[outbox.Outgoing] = []
    for case in cases:
        if not (await targets.consent_of(case)).needs_reconsent_at_18:
            continue
        target = await targets.chat_of(case)
        if target is None:
            continue
        queued.append(
            _message(target, case, reminders.reconsent_prompt(target.lang), keys[case.id], now)
        )
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return date(day.year - years, 2, 28)


async def erase_expired_content(uow: UnitOfWork, now: datetime) -> int:
    """Chat content of withdrawn cases, once the home's retention period is over."""
    return await consent.erase_expired_content(uow)


ANONYMOUS_WEBCHAT_TTL = timedelta(days=1)


async def purge_anonymous_webchats(uow: UnitOfWork, now: datetime) -> int:
    """Web chats nobody linked to a case, quiet for a day, and every row they left
    (each guess at a code leaves some): removed."""
    return await chats.purge_anonymous(uow, Channel.WEBCHAT, older_than=ANONYMOUS_WEBCHAT_TTL)


async def cancel_stale_outbox(uow: UnitOfWork, now: datetime) -> int:
    """Rows past their ``expires_at`` that wait for nothing: cancelled in bulk."""
    return await outbox.cancel_expired(uow, now)


# ------------------------------------------------------------------ her voice in the plan

PARTICIPATION_TTL = timedelta(days=3)


async def pre_evaluation_asks(uow: UnitOfWork, now: datetime, *, limit: int | None = None) -> int:
    """Three days before the evaluation (the home's calendar): a few short questions.
    The ``EvaluationVoice`` row is made once, and its first question sent once."""
    due = await evaluation_voice.asks_due(uow, now)
    targets = Targets(uow)
    await targets.preload(case for case, _, _ in due)
    queued: list[outbox.Outgoing] = []
    for case, _home, day in due:
        target = await targets.of(case)
        if target is None:
            continue
        voice = await evaluation_voice.ask(uow, case.id, day)
        voice.sent_at = now
        words = _day_words(day, target.lang)
        screen = pre_evaluation.first_screen(target.lang, voice, case.alias, words)
        key = pre_evaluation.key(voice.id)
        queued.append(
            _message(
                target, case, screen.to_payload(), key, now, expires_at=now + PARTICIPATION_TTL
            )
        )
        if _full(len(queued), limit):
            break
    await outbox.enqueue_many(uow, queued)
    return len(queued)


def _day_words(day: date, lang: str) -> str:
    t = translator(lang)
    # Translators: a date pattern of Babel (CLDR), not words: EEEE is the weekday,
    # d the day, MMMM the month's name; text in quotes is printed as is. Reorder
    # it for your language; "EEEE, MMMM d" in English.
    return format_date(day, lang, t.gettext("EEEE d 'de' MMMM"))


async def participation_news(uow: UnitOfWork, now: datetime, *, limit: int | None = None) -> int:
    """What staff decided about her proposals, and the agreements they sent her: told
    to her chat once. A decision or agreement with no chat to reach is marked told all
    the same (she sees her plan in the chat; staff see that nothing was sent)."""
    queued: list[outbox.Outgoing] = []
    decided = await proposal_service.to_tell(uow, limit=limit or 500)
    shared = await evaluation_voice.to_send(uow)
    targets = Targets(uow)
    await targets.preload([case for _, case in decided] + [case for _, _, case in shared])
    names: dict[int, str | None] = {}
    for proposal, case in decided:
        proposal_service.told(uow, proposal)
        target = await targets.of(case)
        if target is None:
            continue
        operator = await _operator_name(uow, case, names)
        in_plan = await _in_plan(uow, proposal)
        screen = proposals.decision_screen(uow, proposal, target.lang, operator, in_plan)
        key = proposal_service.tell_key(proposal)
        queued.append(_message(target, case, screen.to_payload(), key, now))
        if _full(len(queued), limit):
            break
    for agreement, evaluation, case in shared:
        if _full(len(queued), limit):
            break
        agreement.sent_at = now
        target = await targets.of(case)
        if target is None:
            continue
        items = evaluation_voice.items_of(uow, agreement)
        screen = agreements.screen(target.lang, agreement.id, case.alias, items, evaluation.next_on)
        queued.append(
            _message(target, case, screen.to_payload(), agreements.key(agreement.id), now)
        )
    await outbox.enqueue_many(uow, queued)
    return len(queued)


async def _in_plan(uow: UnitOfWork, proposal: Proposal) -> str | None:
    """The title of the step or goal an accepted proposal became."""
    if proposal.result_step_id is not None:
        step = await uow.session.get(Step, proposal.result_step_id)
        return step.title if step else None
    if proposal.result_goal_id is not None:
        goal = await uow.session.get(Goal, proposal.result_goal_id)
        return goal.title if goal else None
    return None


async def _operator_name(
    uow: UnitOfWork, case: Adolescent, names: dict[int, str | None]
) -> str | None:
    staff_id = case.reference_operator_id
    if staff_id is None:
        return None
    if staff_id not in names:
        staff = await uow.session.get(Staff, staff_id)
        names[staff_id] = first_name(staff.display_name) if staff and staff.active else None
    return names[staff_id]


__all__ = [
    "Target",
    "Targets",
    "add_months",
    "appointment_reminders",
    "attendance_checks",
    "cancel_stale_outbox",
    "erase_expired_content",
    "evaluation_flags",
    "follow_up_checkins",
    "follow_up_consent_asks",
    "latest_checkin_due",
    "missed_appointment_flags",
    "participation_news",
    "pre_evaluation_asks",
    "purge_anonymous_webchats",
    "reconsent_at_18",
    "reminder_time",
    "step_overdue_flags",
    "step_reminders",
    "target_of",
    "unconfirmed_appointment_flags",
]
