"""Logging in and out. Log-in attempts are rate limited in the database (per username
and per client address), so every console process shares the count."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.errors import LoginThrottled
from plan_store.services import staff as staff_service
from staff_console.context import Page, public_endpoint, safe_next, staff_endpoint
from staff_console.errors import CARRY
from staff_console.forms import Form, read_form

FREE_TEXT = frozenset({"body", "note", "summary", "goals_reviewed", "handover_note", "title"})
"""Fields shown again, to read over, before a carried form is sent."""
MAX_USERNAME = 64
MAX_PASSWORD = 1024


@public_endpoint
async def login_form(page: Page) -> Response:
    if page.session.logged_in:
        return page.redirect("/")
    return page.render("login.html", problem=None, carry=[], carry_action="")


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
    kept = {"carry": carry, "carry_action": carry_action}
    if not username or not password:
        return page.render("login.html", status_code=400, problem="missing", **kept)
    client = page.request.client.host if page.request.client else "unknown"
    options = page.console.options
    async with page.uow() as uow:
        try:
            staff = await staff_service.log_in(
                uow,
                username,
                password,
                client=client,
                window=options.login_window,
                max_per_username=options.max_failures_per_username,
                max_per_client=options.max_failures_per_client,
            )
        except LoginThrottled:
            return page.render("login.html", status_code=429, problem="throttled", **kept)
        await uow.commit()
    if staff is None:
        return page.render("login.html", status_code=401, problem="wrong", **kept)
    next_path = safe_next(page.session.next_path)
    page.session.log_in(staff.id, staff.session_epoch, int(page.now().timestamp()))
    if carry_action:
        fields = [(name.removeprefix(CARRY), value) for name, value in carry]
        return page.render("resend.html", fields=fields, action=carry_action, free_text=FREE_TEXT)
    return page.redirect(next_path)


@staff_endpoint()
async def logout(page: Page) -> Response:
    page.session.log_out()
    page.flash("ok", "logged_out")
    return page.redirect("/login")


@staff_endpoint()
async def logout_everywhere(page: Page) -> Response:
    """End every session of this staff member, on every device."""
    async with page.uow() as uow:
        await staff_service.log_out_everywhere(uow, page.me.id)
        await uow.commit()
    page.session.log_out()
    page.flash("ok", "logged_out_everywhere")
    return page.redirect("/login")


routes: list[BaseRoute] = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/logout/everywhere", logout_everywhere, methods=["POST"]),
]
