"""The dashboard puts the most urgent first and says how long things have waited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from plan_store.enums import (
    AppointmentAnswer,
    AppointmentKind,
    Channel,
    FlagCategory,
    RequestReason,
    Severity,
    Urgency,
)
from plan_store.services import appointments, flags, messages, requests
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser
from tests.console.world import World

SECTIONS = [
    "urgent-title",
    "flags",
    "requests",
    "evaluations",
    "unconfirmed",
    "missed",
    "unrecorded",
    "silent",
]


def section(html: str, anchor: str) -> str:
    """The HTML of one dashboard section, from its heading to the next section."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


async def test_everything_that_waits_is_on_the_dashboard_most_urgent_first(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    ana_case = world.ana_case
    async with container.uow() as uow:
        await requests.create(
            uow,
            ana_case.id,
            reason=RequestReason.SOMETHING_HAPPENED,
            urgency=Urgency.URGENT,
            message="Pasó algo",
        )
        await flags.raise_flag(
            uow, ana_case.id, category=FlagCategory.HEALTH, severity=Severity.MEDIUM
        )
        later = await appointments.schedule(
            uow,
            world.ana,
            ana_case.id,
            kind=AppointmentKind.HEALTH,
            title="Dentista",
            place="Centro de Salud",
            starts_at=clock.now + timedelta(days=10),
        )
        await uow.commit()
    clock.advance(days=15, hours=2, minutes=15)
    async with container.uow() as uow:
        soon = await appointments.schedule(
            uow,
            world.ana,
            ana_case.id,
            kind=AppointmentKind.LEGAL,
            title="Cita con la abogada",
            place="Procuraduría",
            starts_at=clock.now + timedelta(hours=20),
        )
        await appointments.answer(
            uow, ana_case.id, later.id, AppointmentAnswer.MISSED, by_staff=world.ana
        )
        await uow.commit()
    browser: Browser = browsers()
    await browser.login("marta")
    page = await browser.get("/")
    html = page.text
    missing = [anchor for anchor in SECTIONS if f'id="{anchor}"' not in html]
    assert not missing, missing
    positions = [html.index(f'id="{anchor}"') for anchor in SECTIONS]
    assert positions == sorted(positions)

    urgent = section(html, "urgent-title")
    assert "Quiere irse" in urgent and "Pasó algo" in urgent
    assert "Espera: 15 d 2 h" in urgent  # the flag raised when the world was built
    assert f'href="/cases/{ana_case.id}#flag-{ana_case.flag}"' in urgent
    assert "Salud" in section(html, "flags")
    assert "Quiere hablar" in section(html, "requests")
    assert "Vencida" in section(html, "evaluations")
    assert "1 día de retraso" in section(html, "evaluations")
    assert f"#appointment-{soon.id}" in section(html, "unconfirmed")
    assert f"#appointment-{later.id}" in section(html, "missed")
    assert f"#appointment-{ana_case.appointment}" in section(html, "unrecorded")
    assert "Colibrí" in section(html, "silent") and "Jaguar" in section(html, "silent")


async def test_a_calm_day_says_so(browsers: Any, container: Container, world: World) -> None:
    async with container.uow() as uow:
        for case in (world.ana_case, world.beto_case):
            await flags.resolve(uow, world.coordinator, case.id, case.flag, "Hablamos.")
            await requests.handle(uow, world.coordinator, case.id, case.request)
        await uow.commit()
    browser: Browser = browsers()
    await browser.login("ana")
    html = (await browser.get("/")).text
    assert "Nada urgente ahora." in html


async def test_new_urgent_flags_reach_the_live_fragment(
    as_ana: Browser, world: World, container: Container, clock: FakeClock
) -> None:
    first = await as_ana.get("/dashboard/urgent")
    assert first.status_code == 200
    assert 'data-count="1"' in first.text
    async with container.uow() as uow:
        message = await messages.record_inbound(
            uow, world.ana_case.id, channel=Channel.TELEGRAM, body="Me pegaron"
        )
        flag = await flags.raise_flag(
            uow,
            world.ana_case.id,
            category=FlagCategory.VIOLENCE_ABUSE,
            severity=Severity.URGENT,
            message_id=message.id,
        )
        await uow.commit()
    clock.advance(minutes=3)
    second = await as_ana.get("/dashboard/urgent")
    assert 'data-count="2"' in second.text
    assert f"flag-{flag.id}" in second.text
    assert "Violencia o abuso" in second.text
    assert "Espera: 3 min" in second.text
    assert "<html" not in second.text  # a fragment, not a page
    assert re.search(r'data-ids="[^"]*flag-\d+', second.text)


async def test_the_dashboard_page_loads_the_polling_script_only_as_a_file(as_ana: Browser) -> None:
    html = (await as_ana.get("/")).text
    assert re.search(r'<script src="/static/console\.js\?v=\w+" defer></script>', html)
    assert "<script>" not in html and " on" + "click=" not in html
    assert 'data-poll-url="/dashboard/urgent"' in html


async def test_the_silent_section_counts_the_silent_cases_it_does_not_list(
    world: World, container: Container, clock: FakeClock
) -> None:
    from staff_console import queries
    from staff_console.options import ConsoleOptions

    clock.advance(days=15)  # both chats silent since they were linked
    async with container.uow() as uow:
        one = await queries.dashboard(
            uow, world.coordinator, clock.now, ConsoleOptions(section_limit=1)
        )
        every = await queries.dashboard(uow, world.coordinator, clock.now, ConsoleOptions())

    assert len(every.silent.rows) == every.silent.total == 2
    assert one.silent.rows == every.silent.rows[:1]
    assert (one.silent.total, one.silent.more) == (2, 1)
