"""The admin area, part one: staff accounts and homes. Admins only; anyone else gets
a 404, and the attempt is audited (``guards.only``).

Accounts: list, add with a role and a home, deactivate and reactivate, set a new
password (handed over in person), end all of a person's sessions. Homes: list, add,
edit their settings. Every change goes through ``plan_store.services`` (audited there).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import LANGUAGES, SOURCE_LANGUAGE, is_supported
from plan_store.enums import CareSetting, Phase, Role
from plan_store.errors import NotFound
from plan_store.models import Home
from plan_store.services import homes, second_factor, staff, staff_languages
from plan_store.services.phases import limits_from, limits_of
from plan_store.services.staff import MIN_PASSWORD_LENGTH
from plan_store.unit_of_work import UnitOfWork
from staff_console import admin_queries
from staff_console.actions import change_action
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError
from staff_console.guards import ADMINS, only

MAX_PASSWORD = 1024
MAX_NUMBERS_TEXT = 1000
TIMEZONES = (
    "America/Mexico_City",
    "America/Monterrey",
    "America/Merida",
    "America/Cancun",
    "America/Chihuahua",
    "America/Ciudad_Juarez",
    "America/Hermosillo",
    "America/Mazatlan",
    "America/Tijuana",
    "America/Matamoros",
    "America/Guatemala",
    "America/Tegucigalpa",
    "America/El_Salvador",
)
"""Suggested in the time zone field; any IANA zone is accepted."""


@staff_endpoint()
@only(ADMINS)
async def admin_home(page: Page) -> Response:
    return page.redirect("/admin/staff")


# --- Staff accounts ------------------------------------------------------------------


@staff_endpoint()
@only(ADMINS)
async def staff_list(page: Page) -> Response:
    async with page.uow() as uow:
        rows = await admin_queries.staff_rows(uow)
        homes = await admin_queries.home_choices(uow)
        translates = {
            row.id: await staff_languages.translated(uow, row.id)
            for row in rows
            if row.role is Role.TRANSLATOR
        }
    return page.render(
        "admin_staff.html",
        rows=rows,
        homes=homes,
        translates=translates,
        chat_languages=[lang for lang in LANGUAGES if lang.code != SOURCE_LANGUAGE],
        roles=list(Role),
        min_password=MIN_PASSWORD_LENGTH,
        tz=page.console.options.timezone,
    )


def new_password(form: Form) -> str:
    """The new password typed twice, checked before any service sees it."""
    password = form.secret("password", max_length=MAX_PASSWORD)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FormError("form.password_short")
    if form.raw("password_repeat") != password:
        raise FormError("form.password_mismatch")
    return password


def optional_id(form: Form, name: str) -> int | None:
    return form.integer(name) if form.raw(name).strip() else None


@staff_endpoint()
@only(ADMINS)
async def add_staff(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        role = form.choice("role", Role)
        home_id = optional_id(form, "home_id")
        if role in (Role.OPERATOR, Role.COORDINATOR) and home_id is None:
            raise FormError("form.home_needed")
        added = await staff.add_staff(
            uow,
            username=form.text("username", max_length=staff.MAX_USERNAME),
            display_name=form.text("display_name", max_length=staff.MAX_DISPLAY_NAME),
            password=new_password(form),
            role=role,
            home_id=home_id,
            by=page.actor,
        )
        if role is Role.TRANSLATOR:
            await staff_languages.set_translated(
                uow, page.actor, added.id, _chat_languages(form, "translates")
            )
        return ("staff.added",)

    return await change_action(page, change, back="/admin/staff")


def _chat_languages(form: Form, name: str) -> list[str]:
    codes = [c for c in form.data.getlist(name) if isinstance(c, str)]
    if not all(is_supported(c) and c != SOURCE_LANGUAGE for c in codes):
        raise FormError("form.choice")
    return codes


@staff_endpoint()
@only(ADMINS)
async def set_translated(page: Page) -> Response:
    """The languages a translator translates (their scope in the workspace)."""
    staff_id = page.int_param("staff_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        codes = _chat_languages(form, "translates")
        await staff_languages.set_translated(uow, page.actor, staff_id, codes)
        return ("staff.languages",)

    return await change_action(page, change, back=f"/admin/staff#staff-{staff_id}")


@staff_endpoint()
@only(ADMINS)
async def set_active(page: Page) -> Response:
    staff_id = page.int_param("staff_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        active = form.raw("active") == "1"
        if staff_id == page.me.id and not active:
            raise FormError("form.self")
        await staff.set_active(uow, page.actor, staff_id, active)
        return ("staff.reactivated" if active else "staff.deactivated",)

    return await change_action(page, change, back=f"/admin/staff#staff-{staff_id}")


@staff_endpoint()
@only(ADMINS)
async def reset_password(page: Page) -> Response:
    staff_id = page.int_param("staff_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await staff.reset_password(uow, page.actor, staff_id, new_password(form))
        return ("staff.password_reset",)

    return await change_action(page, change, back=f"/admin/staff#staff-{staff_id}")


@staff_endpoint()
@only(ADMINS)
async def log_out(page: Page) -> Response:
    staff_id = page.int_param("staff_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await staff.log_out_everywhere(uow, staff_id, by=page.actor)
        return ("staff.logged_out",)

    return await change_action(page, change, back=f"/admin/staff#staff-{staff_id}")


@staff_endpoint()
@only(ADMINS)
async def reset_second_factor(page: Page) -> Response:
    """A lost phone: the person sets up a new second factor at the next log-in."""
    staff_id = page.int_param("staff_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await second_factor.reset(uow, page.actor, staff_id)
        return ("staff.second_factor_reset",)

    return await change_action(page, change, back=f"/admin/staff#staff-{staff_id}")


# --- Homes ---------------------------------------------------------------------------


@staff_endpoint()
@only(ADMINS)
async def home_list(page: Page) -> Response:
    async with page.uow() as uow:  # rendered inside: the rows are the homes themselves
        return page.render(
            "admin_homes.html",
            rows=await admin_queries.home_rows(uow),
            home=None,
            numbers_text=numbers_text(homes.MEXICO_EMERGENCY_NUMBERS),
            **_home_form_choices(),
        )


@staff_endpoint()
@only(ADMINS)
async def home_page(page: Page) -> Response:
    async with page.uow() as uow:
        home = await uow.session.get(Home, page.int_param("home_id"))
        if home is None:
            raise NotFound("no such home")
        return page.render(
            "admin_home.html",
            home=home,
            numbers_text=numbers_text(home.emergency_numbers),
            **_home_form_choices(),
        )


def _home_form_choices() -> dict[str, Any]:
    return {
        "care_settings": [s for s in CareSetting if s is not CareSetting.AFTER_CARE],
        "timezones": TIMEZONES,
        "max_cadence": homes.MAX_CADENCE_DAYS,
        "max_retention": homes.MAX_RETENTION_DAYS,
        "max_ratio": homes.MAX_CASELOAD_RATIO,
        "limited_phases": LIMITED_PHASES,
        "limits_of": limits_of,
        "default_limits": limits_from(None),
    }


def numbers_text(numbers: dict[str, Any]) -> str:
    """Emergency numbers as the form shows them: "Name: number", one per line."""
    return "\n".join(f"{name}: {number}" for name, number in numbers.items())


def read_numbers(form: Form) -> dict[str, str]:
    numbers: dict[str, str] = {}
    for line in form.text("emergency_numbers", max_length=MAX_NUMBERS_TEXT).splitlines():
        if not line.strip():
            continue
        name, colon, number = line.partition(":")
        if not colon or not name.strip() or not number.strip():
            raise FormError("form.numbers")
        numbers[name.strip()] = number.strip()
    if not 1 <= len(numbers) <= homes.MAX_EMERGENCY_NUMBERS:
        raise FormError("form.numbers")
    return numbers


LIMITED_PHASES = [p for p in Phase if p is not Phase.AFTER_CARE]
"""The phases a home may give a time limit (empty: none)."""


def read_home(form: Form) -> dict[str, Any]:
    """The settings of a home as the add and edit forms send them."""
    timezone = form.text("timezone", max_length=64)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FormError("form.timezone") from None
    optional: dict[str, Any] = {}  # kept as they are when the form does not send them
    if (ratio := _days(form, "caseload_ratio")) is not None:
        optional["caseload_ratio"] = ratio
    if any(f"limit_{phase.value}" in form.data for phase in LIMITED_PHASES):
        optional["phase_limits"] = {
            phase: _days(form, f"limit_{phase.value}") for phase in LIMITED_PHASES
        }
    return optional | {
        "name": form.text("name", max_length=homes.MAX_HOME_NAME),
        "kind": form.choice("kind", CareSetting),
        "timezone": timezone,
        "evaluation_cadence_days": form.integer("evaluation_cadence_days"),
        "retention_days": form.integer("retention_days"),
        "safeguarding_days": (
            form.integer("safeguarding_days") if form.raw("safeguarding_days").strip() else 90
        ),
        "quiet_start": form.clock("quiet_start"),
        "quiet_end": form.clock("quiet_end"),
        "emergency_numbers": read_numbers(form),
    }


def _days(form: Form, name: str) -> int | None:
    return form.integer(name) if form.raw(name).strip() else None


@staff_endpoint()
@only(ADMINS)
async def add_home(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await homes.create_home(uow, **read_home(form), by=page.actor)
        return ("home.added",)

    return await change_action(page, change, back="/admin/homes")


@staff_endpoint()
@only(ADMINS)
async def update_home(page: Page) -> Response:
    home_id = page.int_param("home_id")

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await homes.update_home(uow, page.actor, home_id, **read_home(form))
        return ("home.updated",)

    return await change_action(page, change, back=f"/admin/homes/{home_id}")


routes: list[BaseRoute] = [
    Route("/admin", admin_home, methods=["GET"]),
    Route("/admin/staff", staff_list, methods=["GET"]),
    Route("/admin/staff", add_staff, methods=["POST"]),
    Route("/admin/staff/{staff_id:int}/active", set_active, methods=["POST"]),
    Route("/admin/staff/{staff_id:int}/password", reset_password, methods=["POST"]),
    Route("/admin/staff/{staff_id:int}/logout", log_out, methods=["POST"]),
    Route("/admin/staff/{staff_id:int}/translates", set_translated, methods=["POST"]),
    Route("/admin/staff/{staff_id:int}/second-factor", reset_second_factor, methods=["POST"]),
    Route("/admin/homes", home_list, methods=["GET"]),
    Route("/admin/homes", add_home, methods=["POST"]),
    Route("/admin/homes/{home_id:int}", home_page, methods=["GET"]),
    Route("/admin/homes/{home_id:int}", update_home, methods=["POST"]),
]
