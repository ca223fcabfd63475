"""Logging in (password, then the second factor) and out.

Failed log-ins are slowed down per account and address and locked per address in the
database (``staff.log_in``), so every console process shares the count and a
stranger cannot lock a staff member out. The login itself lives on the server
(``staff_sessions``): logging out ends it at once, whoever holds a copy of the
cookie. Coordinators and admins (and operators, unless the installation turns it
off) type a code from an authenticator app after the password; whoever has none yet
sets one up right there, before the console opens.
"""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.errors import InvalidTransition, LoginThrottled, NotFound, WrongCode
from plan_store.models import Staff
from plan_store.services import second_factor, staff_sessions
from plan_store.services import staff as staff_service
from plan_store.unit_of_work import UnitOfWork
from staff_console.codes import qr_data_uri
from staff_console.context import (
    Page,
    load_staff,
    public_endpoint,
    safe_next,
    staff_endpoint,
)
from staff_console.errors import CARRY
from staff_console.forms import Form, read_form

FREE_TEXT = frozenset({"body", "note", "summary", "goals_reviewed", "handover_note", "title"})
"""Fields shown again, to read over, before a carried form is sent."""
MAX_USERNAME = 64
MAX_PASSWORD = 1024
MAX_CODE = 40


@public_endpoint
async def login_form(page: Page) -> Response:
    if page.session.logged_in and await load_staff(page, touch=False) is not None:
        return page.redirect("/")
    return _login_page(page)


def _login_page(
    page: Page,
    *,
    status_code: int = 200,
    problem: str | None = None,
    username: str = "",
    until: datetime | None = None,
    carry: list[tuple[str, str]] | None = None,
    carry_action: str = "",
) -> Response:
    return page.render(
        "login.html",
        status_code=status_code,
        problem=problem,
        username=username,
        until=until,
        tz=page.console.options.timezone,
        carry=carry or [],
        carry_action=carry_action,
    )


def _carry(form: Form) -> tuple[list[tuple[str, str]], str]:
    """A form carried through this login (``errors.expired_form``), to send after it."""
    action = form.raw("carry_action")
    if not action or safe_next(action) != action:
        return [], ""
    fields = [(k, v) for k, v in form.data.multi_items() if isinstance(v, str)]
    return [(k, v) for k, v in fields if k.startswith(CARRY)], action


@public_endpoint
async def login(page: Page) -> Response:
    form = await read_form(page.request)
    username = form.raw("username").strip()[:MAX_USERNAME]
    password = form.raw("password")[:MAX_PASSWORD]
    carry, carry_action = _carry(form)

    def again(status_code: int, problem: str, until: datetime | None = None) -> Response:
        """The login page with the problem, the typed username and the carried form."""
        return _login_page(
            page,
            status_code=status_code,
            problem=problem,
            username=username,
            until=until,
            carry=carry,
            carry_action=carry_action,
        )

    if not username or not password:
        return again(400, "missing")
    client = page.request.client.host if page.request.client else "unknown"
    options = page.console.options
    async with page.uow() as uow:
        try:
            staff = await staff_service.log_in(
                uow, username, password, client=client, limits=options.login_limits
            )
        except LoginThrottled as held:
            return again(429, "throttled", held.until)
        await uow.commit()
    if staff is None:
        return again(401, "wrong")
    if staff.totp_enabled_at is not None:
        page.session.await_second_factor(staff.id, _now(page))
        if carry_action:  # the carried form goes on through the second step
            return _code_page(page, carry=carry, carry_action=carry_action)
        return page.redirect("/login/code")
    if second_factor.required(staff.role, for_operators=options.totp_for_operators):
        page.session.await_second_factor(staff.id, _now(page))
        return page.redirect("/login/enrol")
    response = await _open(page, staff.id)
    if carry_action:
        fields = [(name.removeprefix(CARRY), value) for name, value in carry]
        return page.render("resend.html", fields=fields, action=carry_action, free_text=FREE_TEXT)
    return response


def _now(page: Page) -> int:
    return int(page.now().timestamp())


async def _open(page: Page, staff_id: int) -> Response:
    """The login is complete: a server-side session, its token in the cookie."""
    async with page.uow() as uow:
        token = await _start(page, uow, staff_id)
        await uow.commit()
    next_path = safe_next(page.session.next_path)
    page.session.log_in(token)
    return page.redirect(next_path)


async def _start(page: Page, uow: UnitOfWork, staff_id: int) -> str:
    staff = await uow.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"no staff {staff_id}")
    device = staff_sessions.device_label(page.request.headers.get("user-agent", ""))
    return await staff_sessions.start(uow, staff, device=device)


def _pending(page: Page) -> int | None:
    return page.session.pending_staff(_now(page))


def _code_page(
    page: Page,
    *,
    status_code: int = 200,
    problem: str | None = None,
    until: datetime | None = None,
    carry: list[tuple[str, str]] | None = None,
    carry_action: str = "",
) -> Response:
    return page.render(
        "login_code.html",
        status_code=status_code,
        problem=problem,
        until=until,
        tz=_tz(page),
        carry=carry or [],
        carry_action=carry_action,
    )


@public_endpoint
async def code_form(page: Page) -> Response:
    if _pending(page) is None:
        return page.redirect("/login")
    return _code_page(page)


def _tz(page: Page) -> str:
    return page.console.options.timezone


@public_endpoint
async def check_code(page: Page) -> Response:
    staff_id = _pending(page)
    if staff_id is None:
        return page.redirect("/login")
    form = await read_form(page.request)
    code = form.raw("code")[:MAX_CODE]
    carry, carry_action = _carry(form)
    try:
        async with page.uow() as uow:
            await second_factor.verify(uow, staff_id, code)
            token = await _start(page, uow, staff_id)
            await uow.commit()
    except WrongCode:
        return _code_page(
            page, status_code=401, problem="wrong", carry=carry, carry_action=carry_action
        )
    except LoginThrottled as held:
        return _code_page(
            page,
            status_code=429,
            problem="throttled",
            until=held.until,
            carry=carry,
            carry_action=carry_action,
        )
    except (InvalidTransition, NotFound):
        page.session.log_out()
        return page.redirect("/login")
    next_path = safe_next(page.session.next_path)
    page.session.log_in(token)
    if carry_action:
        fields = [(name.removeprefix(CARRY), value) for name, value in carry]
        return page.render("resend.html", fields=fields, action=carry_action, free_text=FREE_TEXT)
    return page.redirect(next_path)


async def _enrol_page(
    page: Page, staff_id: int, *, action: str, status_code: int = 200, problem: str | None = None
) -> Response:
    async with page.uow() as uow:
        secret = await second_factor.offered_secret(uow, staff_id)
        staff = await uow.session.get(Staff, staff_id)
        assert staff is not None
        await uow.commit()
    uri = second_factor.provisioning_uri(secret, staff.username)
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    page.extra_headers["cache-control"] = "no-store"
    return page.render(
        "enrol.html",
        status_code=status_code,
        action=action,
        qr=qr_data_uri(uri),
        secret=spaced,
        problem=problem,
        until=None,
        tz=_tz(page),
    )


@public_endpoint
async def enrol_form(page: Page) -> Response:
    staff_id = _pending(page)
    if staff_id is None:
        return page.redirect("/login")
    try:
        return await _enrol_page(page, staff_id, action="/login/enrol")
    except (InvalidTransition, NotFound):
        return page.redirect("/login/code")


async def _confirm(page: Page, staff_id: int, *, action: str) -> tuple[list[str], str] | Response:
    """Confirm an enrolment: the recovery codes and a new session token, or the page
    again with the problem."""
    form = await read_form(page.request)
    code = form.raw("code")[:MAX_CODE]
    try:
        async with page.uow() as uow:
            codes = await second_factor.enrol(uow, staff_id, code)
            await staff_sessions.end_all(uow, staff_id)
            token = await _start(page, uow, staff_id)
            await uow.commit()
    except WrongCode:
        return await _enrol_page(page, staff_id, action=action, status_code=400, problem="wrong")
    except LoginThrottled as held:
        return _code_page(page, status_code=429, problem="throttled", until=held.until)
    except (InvalidTransition, NotFound):
        return page.redirect("/")
    return codes, token


@public_endpoint
async def enrol(page: Page) -> Response:
    staff_id = _pending(page)
    if staff_id is None:
        return page.redirect("/login")
    done = await _confirm(page, staff_id, action="/login/enrol")
    if isinstance(done, Response):
        return done
    codes, token = done
    next_path = safe_next(page.session.next_path)
    page.session.log_in(token)
    return page.render("recovery_codes.html", codes=codes, next_path=next_path)


@staff_endpoint()
async def account_enrol_form(page: Page) -> Response:
    """Set up a second factor from one's account (when not required, or again after
    an admin removed a lost one)."""
    try:
        return await _enrol_page(page, page.me.id, action="/account/second-factor")
    except InvalidTransition:
        page.flash("error", "second_factor_on")
        return page.redirect("/account")


@staff_endpoint()
async def account_enrol(page: Page) -> Response:
    done = await _confirm(page, page.me.id, action="/account/second-factor")
    if isinstance(done, Response):
        return done
    codes, token = done
    page.session.log_in(token)
    return page.render("recovery_codes.html", codes=codes, next_path="/account")


@staff_endpoint()
async def logout(page: Page) -> Response:
    token = page.session.token
    if token is not None:
        async with page.uow() as uow:
            await staff_sessions.end(uow, token)
            await uow.commit()
    page.session.log_out()
    page.flash("ok", "logged_out")
    return page.redirect("/login")


@staff_endpoint()
async def logout_everywhere(page: Page) -> Response:
    """End every session of this staff member, on every device."""
    async with page.uow() as uow:
        await staff_service.log_out_everywhere(uow, page.me.id)
        await staff_sessions.end_all(uow, page.me.id)
        await uow.commit()
    page.session.log_out()
    page.flash("ok", "logged_out_everywhere")
    return page.redirect("/login")


routes: list[BaseRoute] = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/login/code", code_form, methods=["GET"]),
    Route("/login/code", check_code, methods=["POST"]),
    Route("/login/enrol", enrol_form, methods=["GET"]),
    Route("/login/enrol", enrol, methods=["POST"]),
    Route("/account/second-factor", account_enrol_form, methods=["GET"]),
    Route("/account/second-factor", account_enrol, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/logout/everywhere", logout_everywhere, methods=["POST"]),
]
