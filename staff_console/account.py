"""Mi cuenta: one's own console language (kept for every later log-in), the languages
one speaks (so that an adolescent who chats in one reaches them), password (knowing
the current one) and "log out everywhere". For every staff member."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from locales import LANGUAGES, is_supported
from plan_store.errors import PlanStoreError
from plan_store.models import Home, Staff
from plan_store.services import duty, staff, staff_chats, staff_languages, staff_sessions
from plan_store.services.staff import MIN_PASSWORD_LENGTH, STAFF_LANGUAGES
from plan_store.unit_of_work import UnitOfWork
from staff_console.actions import change_action
from staff_console.admin import MAX_PASSWORD, new_password
from staff_console.context import Page, staff_endpoint
from staff_console.forms import Form, FormError, read_form


@staff_endpoint()
async def account(page: Page) -> Response:
    return await _account_page(page)


async def _account_page(page: Page, staff_code: str | None = None) -> Response:
    home_name = None
    async with page.uow() as uow:
        if page.me.home_id is not None:
            home = await uow.session.get(Home, page.me.home_id)
            home_name = home.name if home else None
        member = await uow.session.get(Staff, page.me.id)
        assert member is not None
        sessions = await staff_sessions.open_sessions(
            uow, page.me.id, lifetimes=page.console.options.lifetimes
        )
        this_one = await staff_sessions.session_id(uow, page.session.token or "")
        second_factor_on = member.totp_enabled_at is not None
        recovery_left = len(member.recovery_code_hashes)
        email = member.email
        chat = await staff_chats.chat_of(uow, page.me.id)
        on_duty = page.me.home_id is not None and await duty.is_on_duty(
            uow, page.me.id, page.me.home_id
        )
        spoken = await staff_languages.spoken(uow, page.me.id)
        translated = await staff_languages.translated(uow, page.me.id)
    bot = page.console.telegram_bot_username
    return page.render(
        "account.html",
        home_name=home_name,
        chat_languages=LANGUAGES,
        spoken=spoken,
        translated=translated,
        languages=STAFF_LANGUAGES,
        min_password=MIN_PASSWORD_LENGTH,
        sessions=sessions,
        this_session=this_one,
        second_factor_on=second_factor_on,
        recovery_left=recovery_left,
        tz=page.console.options.timezone,
        email=email,
        telegram_linked=chat is not None,
        staff_code=staff_code,
        staff_link=f"https://t.me/{bot}?start=staff-{staff_code}" if bot and staff_code else None,
        on_duty_now=on_duty,
    )


@staff_endpoint()
async def end_session(page: Page) -> Response:
    """End one of one's own sessions (a computer left logged in elsewhere)."""
    session_id = page.int_param("session_id")
    async with page.uow() as uow:
        await staff_sessions.end_one(uow, page.me.id, session_id)
        await uow.commit()
    page.flash("ok", "account.session_ended")
    return page.redirect("/account#sessions")


@staff_endpoint()
async def telegram_code(page: Page) -> Response:
    """A one-time code for linking her own Telegram chat, shown once on this page."""
    await read_form(page.request)  # the CSRF token was checked on the way in
    async with page.uow() as uow:
        code = await staff_chats.issue_code(uow, page.actor)
        await uow.commit()
    return await _account_page(page, staff_code=code)


@staff_endpoint()
async def telegram_unlink(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await staff_chats.unlink(uow, page.actor)
        return ("account.telegram_unlinked",)

    return await change_action(page, change, back="/account#alerts")


@staff_endpoint()
async def save_email(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        await staff_chats.set_email(
            uow, page.actor, form.text("email", max_length=254, required=False)
        )
        return ("account.email",)

    return await change_action(page, change, back="/account#alerts")


@staff_endpoint()
async def save_language(page: Page) -> Response:
    chosen: list[str] = []

    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        language = form.raw("language")
        if language not in STAFF_LANGUAGES:
            raise FormError("form.choice")
        await staff.set_language(uow, page.me.id, language)
        chosen.append(language)
        return ("account.language",)

    response = await change_action(page, change, back="/account")
    if chosen:
        page.session.set_lang(chosen[0])  # now, and (from the account) at every log-in
    return response


@staff_endpoint()
async def save_spoken(page: Page) -> Response:
    async def change(uow: UnitOfWork, form: Form) -> tuple[str, ...]:
        codes = [c for c in form.data.getlist("speaks") if isinstance(c, str)]
        if not all(is_supported(c) for c in codes):
            raise FormError("form.choice")
        await staff_languages.set_spoken(uow, page.actor, page.me.id, codes)
        return ("staff.languages",)

    return await change_action(page, change, back="/account#speaks")


@staff_endpoint()
async def change_password(page: Page) -> Response:
    """Other sessions end; this one goes on under the account's new session epoch."""
    form = await read_form(page.request)
    try:
        current = form.secret("current_password", max_length=MAX_PASSWORD)
        password = new_password(form)
        async with page.uow() as uow:
            member = await staff.change_password(
                uow, page.me.id, current, password, limits=page.console.options.login_limits
            )
            await staff_sessions.renew(uow, page.session.token or "", member.session_epoch)
            await uow.commit()
    except FormError as error:
        page.flash("error", error.code)
    except PlanStoreError as error:
        page.flash("error", error.code)
    else:
        page.flash("ok", "account.password")
    return page.redirect("/account")


routes: list[BaseRoute] = [
    Route("/account", account, methods=["GET"]),
    Route("/account/language", save_language, methods=["POST"]),
    Route("/account/speaks", save_spoken, methods=["POST"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/account/sessions/{session_id:int}/end", end_session, methods=["POST"]),
    Route("/account/telegram", telegram_code, methods=["POST"]),
    Route("/account/telegram/unlink", telegram_unlink, methods=["POST"]),
    Route("/account/email", save_email, methods=["POST"]),
]
