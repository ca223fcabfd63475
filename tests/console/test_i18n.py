"""Spanish by default; English on request (kept in the session, never in personal
data or URLs); times in the home's time zone; the adolescent told in their language."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import update

from plan_store.models import Adolescent, Staff
from rumbo.container import Container
from tests.console.conftest import Browser
from tests.console.test_case_page import outbox_texts
from tests.console.world import World


async def test_the_console_speaks_spanish_until_asked_for_english(
    as_ana: Browser, world: World
) -> None:
    spanish = (await as_ana.get("/")).text
    assert '<html lang="es">' in spanish and "Urgente" in spanish and "Espera:" in spanish
    switch = await as_ana.get(f"/cases/{world.ana_case.id}?lang=en")
    assert switch.status_code == 303
    assert switch.headers["location"] == f"/cases/{world.ana_case.id}"
    case_page = (await as_ana.get(switch.headers["location"])).text
    assert '<html lang="en">' in case_page
    for english in ("Life plan", "Reference operator", "Wants to run away", "Mon, Mar 2, 2026"):
        assert english in case_page, english
    assert "Urgent" in (await as_ana.get("/")).text
    await as_ana.get("/?lang=es")
    assert '<html lang="es">' in (await as_ana.get("/")).text


async def test_a_staff_member_who_prefers_english_gets_it_from_the_start(
    browsers: Any, world: World, container: Container
) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Staff).where(Staff.id == world.beto.id).values(language="en")
        )
    browser: Browser = browsers()
    await browser.login("beto")
    assert "Dashboard" in (await browser.get("/")).text


async def test_times_are_shown_in_the_homes_time_zone(as_ana: Browser, world: World) -> None:
    # The world's clock is 16:00 UTC: 10:00 in Mexico City.
    page = (await as_ana.get(f"/cases/{world.ana_case.id}")).text
    shown = re.sub(r'datetime="[^"]*"', "", page)
    assert "lun 2 mar 2026, 10:00" in shown
    assert "16:00" not in shown


async def test_the_adolescent_is_told_in_their_own_language(
    as_ana: Browser, world: World, container: Container
) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Adolescent).where(Adolescent.id == world.ana_case.id).values(language="en")
        )
    await as_ana.post(
        f"/cases/{world.ana_case.id}/appointments",
        {"kind": "health", "title": "Dentista", "place": "", "starts_at": "2026-03-10T16:30"},
    )
    sent = await outbox_texts(container, world.ana_case.id)
    assert sent[-1]["payload"]["text"] == (
        "📅 You have a new appointment: Dentista.\nTuesday, March 10 at 4:30 PM."
    )
