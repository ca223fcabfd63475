"""Linking codes: issued in person, shown once with a QR code, never stored in clear."""

from __future__ import annotations

from datetime import datetime

import segno
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plan_store.errors import PlanStoreError
from plan_store.models import Adolescent, Home
from plan_store.services import linking
from staff_console.context import Page, staff_endpoint
from staff_console.queries.ownership import require_owned_case


def deep_link(bot_username: str | None, code: str) -> str | None:
    if not bot_username:
        return None
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def qr_data_uri(content: str) -> str:
    """The QR code as an SVG data URI, drawn here: no script, no external image."""
    qr = segno.make(content, error="m", micro=False)
    uri: str = qr.svg_data_uri(scale=6, border=2, dark="#1f2937", light="#ffffff")
    return uri


@staff_endpoint()
async def issue(page: Page) -> Response:
    """Issue a new code and show it on this response only (it is not kept in clear:
    reloading issues another one, which replaces this)."""
    case_id = page.int_param("case_id")
    async with page.uow() as uow:
        await require_owned_case(uow, page.actor, case_id)
        try:
            code = await linking.issue_code(uow, page.actor, case_id)
        except PlanStoreError as error:
            page.flash("error", error.code)
            return page.redirect(f"/cases/{case_id}#top")
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        home = await uow.session.get(Home, case.home_id)
        assert home is not None
        await uow.commit()
    link = deep_link(page.console.telegram_bot_username, code)
    expires_at: datetime = page.now() + linking.CODE_TTL
    return page.render(
        "code.html",
        case=case,
        tz=home.timezone,
        code=code,
        spaced_code=f"{code[:4]} {code[4:]}",
        link=link,
        qr=qr_data_uri(link or code),
        expires_at=expires_at,
    )


routes: list[BaseRoute] = [
    Route("/cases/{case_id:int}/code", issue, methods=["POST"]),
]
