"""Read queries for the admin pages and the languages page: staff accounts, homes,
consent texts, the audit log, voice prompts and risk terms. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from locales import LANGUAGES, Language
from locales.voice import key_of_file, voice_dir
from plan_store.enums import CaseStatus, ConsentDecision, ConsentPurpose, Role
from plan_store.models import (
    Adolescent,
    AuditEntry,
    Consent,
    ConsentText,
    Home,
    Staff,
    TriageTerm,
)
from plan_store.services import consent, voice_prompts
from plan_store.services.voice_prompts import StoredPrompt
from plan_store.unit_of_work import UnitOfWork

# --- Staff ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    username: str
    display_name: str
    role: Role
    home_name: str | None
    active: bool
    language: str
    created_at: datetime
    open_cases: int
    second_factor: bool
    caseload_ratio: int | None = None
    login_alert_at: datetime | None = None
    """When the account last saw many failed log-ins, if in the last day."""

    @property
    def over_ratio(self) -> bool:
        """An operator holding more adolescents than her home's ratio."""
        ratio = self.caseload_ratio
        return self.role is Role.OPERATOR and ratio is not None and self.open_cases > ratio


async def staff_rows(uow: UnitOfWork) -> list[StaffRow]:
    """Every account, active ones first, with the open cases each one refers."""
    open_cases = (
        select(func.count(Adolescent.id))
        .where(
            Adolescent.reference_operator_id == Staff.id,
            Adolescent.status != CaseStatus.CLOSED,
        )
        .correlate(Staff)
        .scalar_subquery()
    )
    rows = await uow.session.execute(
        select(
            Staff.id,
            Staff.username,
            Staff.display_name,
            Staff.role,
            Home.name,
            Staff.active,
            Staff.language,
            Staff.created_at,
            open_cases,
            Staff.totp_enabled_at.is_not(None),
            Home.caseload_ratio,
        )
        .outerjoin(Home, Home.id == Staff.home_id)
        .order_by(Staff.active.desc(), Staff.display_name, Staff.id)
    )
    alerts = dict(
        (
            await uow.session.execute(
                select(AuditEntry.target, func.max(AuditEntry.at))
                .where(
                    AuditEntry.action == "staff.login_alert",
                    AuditEntry.at > uow.now() - timedelta(days=1),
                )
                .group_by(AuditEntry.target)
            )
        ).all()
    )
    return [replace(StaffRow(*row), login_alert_at=alerts.get(f"staff:{row[0]}")) for row in rows]


async def home_choices(uow: UnitOfWork) -> list[tuple[int, str]]:
    rows = await uow.session.execute(select(Home.id, Home.name).order_by(Home.name))
    return [(row[0], row[1]) for row in rows]


async def staff_choices(uow: UnitOfWork) -> list[tuple[int, str]]:
    rows = await uow.session.execute(
        select(Staff.id, Staff.display_name, Staff.username).order_by(Staff.display_name)
    )
    return [(row[0], f"{row[1]} ({row[2]})") for row in rows]


# --- Homes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HomeRow:
    home: Home
    in_care: int
    staff: int


async def home_rows(uow: UnitOfWork) -> list[HomeRow]:
    in_care = (
        select(func.count(Adolescent.id))
        .where(Adolescent.home_id == Home.id, Adolescent.status == CaseStatus.IN_CARE)
        .correlate(Home)
        .scalar_subquery()
    )
    staff = (
        select(func.count(Staff.id))
        .where(Staff.home_id == Home.id, Staff.active)
        .correlate(Home)
        .scalar_subquery()
    )
    rows = await uow.session.execute(select(Home, in_care, staff).order_by(Home.name))
    return [HomeRow(row[0], int(row[1] or 0), int(row[2] or 0)) for row in rows]


# --- Consent texts -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PurposeTexts:
    purpose: ConsentPurpose
    current_version: int
    texts: list[ConsentText]
    consented: int
    """Open cases whose decision in force is "given" on the current version."""
    open_cases: int

    @property
    def current_languages(self) -> list[str]:
        return [t.language for t in self.texts if t.version == self.current_version]


async def consented_to(uow: UnitOfWork, purpose: ConsentPurpose, version: int) -> int:
    """How many open cases gave consent for ``purpose`` on ``version`` (their latest
    decision, not withdrawn or refused since)."""
    latest = (
        select(Consent.adolescent_id, func.max(Consent.id).label("last_id"))
        .where(Consent.purpose == purpose)
        .group_by(Consent.adolescent_id)
        .subquery()
    )
    count = await uow.session.scalar(
        select(func.count(Consent.id))
        .join(latest, latest.c.last_id == Consent.id)
        .join(Adolescent, Adolescent.id == Consent.adolescent_id)
        .where(
            Consent.decision == ConsentDecision.GIVEN,
            Consent.text_version == version,
            Adolescent.status != CaseStatus.CLOSED,
        )
    )
    return int(count or 0)


async def consent_overview(uow: UnitOfWork) -> list[PurposeTexts]:
    open_cases = int(
        await uow.session.scalar(
            select(func.count(Adolescent.id)).where(Adolescent.status != CaseStatus.CLOSED)
        )
        or 0
    )
    result = []
    for purpose in ConsentPurpose:
        version = await consent.current_version(uow, purpose)
        texts = list(
            await uow.session.scalars(
                select(ConsentText)
                .where(ConsentText.purpose == purpose)
                .order_by(ConsentText.version.desc(), ConsentText.language)
            )
        )
        result.append(
            PurposeTexts(
                purpose=purpose,
                current_version=version,
                texts=texts,
                consented=await consented_to(uow, purpose, version),
                open_cases=open_cases,
            )
        )
    return result


# --- The audit log -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditFilter:
    staff_id: int | None = None
    case_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as query parameters (ids, an action code and dates only)."""
        items = [
            ("staff", str(self.staff_id) if self.staff_id is not None else ""),
            ("case", str(self.case_id) if self.case_id is not None else ""),
            ("action", self.action or ""),
            ("from", self.since.isoformat() if self.since else ""),
            ("to", self.until.isoformat() if self.until else ""),
        ]
        return [(k, v) for k, v in items if v]


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    adolescent_id: int | None
    target: str
    details: dict[str, Any]
    staff_name: str | None
    case_number: str | None


@dataclass(slots=True)
class AuditPage:
    rows: list[AuditRow]
    older_than: int | None
    """The ``before`` of the next (older) page; None on the last page."""


async def audit_actions(uow: UnitOfWork, *, recent: int = 5000) -> list[str]:
    """The action codes of the latest ``recent`` entries, to suggest in the filter (a
    DISTINCT over the whole log would read all of it; the filter takes any code)."""
    latest = select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(recent).subquery()
    rows = await uow.session.scalars(select(latest.c.action).distinct())
    return sorted(rows)


async def audit_page(
    uow: UnitOfWork, where: AuditFilter, *, before: int | None, limit: int, timezone: str
) -> AuditPage:
    """Entries matching ``where``, newest first (by id), ``limit`` at a time, older
    than ``before``. Dates are calendar days in ``timezone``, both ends included."""
    zone = ZoneInfo(timezone)
    query = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.adolescent_id,
            AuditEntry.target,
            AuditEntry.details,
            Staff.display_name,
            Adolescent.case_number,
        )
        .outerjoin(Staff, Staff.id == AuditEntry.staff_id)
        .outerjoin(Adolescent, Adolescent.id == AuditEntry.adolescent_id)
    )
    conditions: list[Any] = []
    if where.staff_id is not None:
        conditions.append(AuditEntry.staff_id == where.staff_id)
    if where.case_id is not None:
        conditions.append(AuditEntry.adolescent_id == where.case_id)
    if where.action:
        conditions.append(AuditEntry.action == where.action)
    if where.since is not None:
        conditions.append(AuditEntry.at >= datetime.combine(where.since, time(), zone))
    if where.until is not None:
        end = datetime.combine(where.until + timedelta(days=1), time(), zone)
        conditions.append(AuditEntry.at < end)
    if before is not None:
        conditions.append(AuditEntry.id < before)
    if conditions:
        query = query.where(and_(*conditions))
    rows = list(
        (await uow.session.execute(query.order_by(AuditEntry.id.desc()).limit(limit + 1))).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    found = [AuditRow(*row) for row in rows]
    return AuditPage(rows=found, older_than=found[-1].id if more and found else None)


# --- Languages -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceFile:
    key: str
    size: int


@dataclass(slots=True)
class LanguageVoices:
    language: Language
    uploads: list[StoredPrompt]
    files: list[VoiceFile]

    @property
    def keys(self) -> list[str]:
        return sorted({p.key for p in self.uploads} | {f.key for f in self.files})


def voice_files(code: str) -> list[VoiceFile]:
    """Recordings shipped in ``locales/<code>/voice/`` (read-only in the console)."""
    folder = voice_dir(code)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        key = key_of_file(path)
        if key is not None and path.is_file():
            found.append(VoiceFile(key, path.stat().st_size))
    return found


async def voices_by_language(uow: UnitOfWork) -> dict[str, LanguageVoices]:
    uploads = await voice_prompts.uploads(uow)
    return {
        lang.code: LanguageVoices(
            language=lang,
            uploads=[p for p in uploads if p.language == lang.code],
            files=voice_files(lang.code),
        )
        for lang in LANGUAGES
    }


async def active_term_counts(uow: UnitOfWork) -> dict[str, int]:
    rows = await uow.session.execute(
        select(TriageTerm.language, func.count(TriageTerm.id))
        .where(TriageTerm.active)
        .group_by(TriageTerm.language)
    )
    return {row[0]: int(row[1]) for row in rows}
