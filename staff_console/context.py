"""What every console request works with: the app-wide ``Console``, and a ``Page``
for the request (session, language, translator and, once logged in, the staff member).

Endpoints are written as ``async def view(page: Page) -> Response`` and wrapped with
``staff_endpoint`` (logged-in staff only) or ``public_endpoint`` (the login page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from locales import Translator, translator
from plan_store.enums import Role
from plan_store.services import duty, staff_sessions
from plan_store.services.access import StaffActor
from plan_store.services.duty import HomeDuty
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from staff_console.feedback import notice_text
from staff_console.nav import nav_for
from staff_console.options import ConsoleOptions
from staff_console.sessions import ConsoleSession, LazyCsrfToken, session_of
from staff_console.templating import CONSOLE_LANGUAGES, DEFAULT_LANGUAGE, Templates

View = Callable[["Page"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Console:
    """Everything the console shares between requests (on ``app.state.console``)."""

    uow: UnitOfWorkFactory
    templates: Templates
    options: ConsoleOptions
    telegram_bot_username: str | None
    demo: bool

    def now(self) -> datetime:
        return self.uow.clock()


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    username: str
    display_name: str
    role: Role
    home_id: int | None
    language: str

    @property
    def actor(self) -> StaffActor:
        return StaffActor(id=self.id, role=self.role, home_id=self.home_id)


@dataclass(slots=True)
class Page:
    request: Request
    console: Console
    session: ConsoleSession
    lang: str
    staff: StaffMember | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)
    on_duty: list[HomeDuty] = field(default_factory=list)
    """Who is on duty now in the staff member's home (every home, for an admin)."""

    @property
    def t(self) -> Translator:
        return translator(self.lang)

    @property
    def me(self) -> StaffMember:
        if self.staff is None:
            raise RuntimeError("this page needs a logged-in staff member")
        return self.staff

    @property
    def actor(self) -> StaffActor:
        return self.me.actor

    def uow(self) -> UnitOfWork:
        return self.console.uow()

    def now(self) -> datetime:
        return self.console.now()

    def int_param(self, name: str) -> int:
        value = self.request.path_params[name]
        assert isinstance(value, int)
        return value

    def flash(self, kind: str, code: str) -> None:
        self.session.flash(kind, code)

    def redirect(self, path: str) -> RedirectResponse:
        return RedirectResponse(path, status_code=303)

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.console.templates.render(self.lang, name, self._context(context))
        return HTMLResponse(html, status_code=status_code, headers=self.extra_headers)

    def _context(self, context: dict[str, Any]) -> dict[str, Any]:
        path = self.request.url.path
        return {
            "page_path": path,
            "csrf_token": LazyCsrfToken(self.session),
            "me": self.staff,
            "nav": [
                (item.path, self.t.gettext(item.label), item.active_for(path))
                for item in (nav_for(self.staff.role) if self.staff else [])
            ],
            "notices": [
                (kind, notice_text(self.t, kind, code)) for kind, code in self.session.pop_flashes()
            ],
            "now": self.now(),
            "on_duty": self.on_duty,
            "options": self.console.options,
            **context,
        }


def console_of(request: Request) -> Console:
    console = request.app.state.console
    assert isinstance(console, Console)
    return console


def page_for(request: Request) -> Page:
    session = session_of(request)
    lang = session.lang if session.lang in CONSOLE_LANGUAGES else DEFAULT_LANGUAGE
    return Page(request=request, console=console_of(request), session=session, lang=lang)


def _language_switch(page: Page) -> Response | None:
    """``?lang=en`` stores the choice in the session and reloads the page without it."""
    wanted = page.request.query_params.get("lang")
    if wanted is None or page.request.method != "GET":
        return None
    if wanted in CONSOLE_LANGUAGES:
        page.session.set_lang(wanted)
    rest = [(k, v) for k, v in page.request.query_params.multi_items() if k != "lang"]
    return page.redirect(page.request.url.path + (f"?{urlencode(rest)}" if rest else ""))


async def load_staff(page: Page, *, touch: bool = True) -> StaffMember | None:
    """The session's staff member if the server still holds the login: not logged
    out, not timed out, active account, same epoch. ``touch`` counts as activity."""
    session = page.session
    if session.token is None:
        return None
    async with page.uow() as uow:
        staff = await staff_sessions.resolve(
            uow, session.token, lifetimes=page.console.options.lifetimes, touch=touch
        )
        await uow.commit()
        if staff is None:
            session.log_out()
            session.expired = True
            return None
        return StaffMember(
            id=staff.id,
            username=staff.username,
            display_name=staff.display_name,
            role=staff.role,
            home_id=staff.home_id,
            language=staff.language,
        )


def staff_endpoint(*, passive: bool = False) -> Callable[[View], Endpoint]:
    """Logged-in staff only. ``passive`` requests (background polling) neither count
    as activity nor redirect: a session left open must still time out."""

    def decorate(view: View) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            page = page_for(request)
            if (switch := _language_switch(page)) is not None:
                return switch
            staff = await load_staff(page, touch=not passive)
            if staff is None:
                if passive:
                    return JSONResponse({"login": "/login"}, status_code=401)
                if request.method == "GET":
                    page.session.remember_next(_local_path(request))
                elif page.session.expired and request.method == "POST":
                    # The login ended while the form was being filled in: carry it.
                    from staff_console.errors import expired_form

                    form = await request.form()
                    fields = [
                        (name, value)
                        for name, value in form.multi_items()
                        if isinstance(value, str) and name != "csrf_token"
                    ]
                    return await expired_form(request, fields)
                if page.session.expired:
                    page.flash("ok", "expired")
                return page.redirect("/login")
            page.staff = staff
            if page.session.lang is None and staff.language in CONSOLE_LANGUAGES:
                page.lang = staff.language
            if not passive:
                page.on_duty = await _on_duty(page, staff)
            return await view(page)

        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        return endpoint

    return decorate


async def _on_duty(page: Page, staff: StaffMember) -> list[HomeDuty]:
    async with page.uow() as uow:
        return await duty.duty_now(uow, None if staff.home_id is None else [staff.home_id])


def public_endpoint(view: View) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        page = page_for(request)
        if (switch := _language_switch(page)) is not None:
            return switch
        return await view(page)

    endpoint.__name__ = view.__name__
    endpoint.__doc__ = view.__doc__
    return endpoint


def _local_path(request: Request) -> str:
    """Where to return after logging in: this path (ids only, never personal data)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(path: str | None) -> str:
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
