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
    Phase,
    RequestReason,
    Severity,
    Urgency,
)
from plan_store.models import Home
from plan_store.services import appointments, flags, homes, messages, requests
from rumbo.container import Container
from tests.builders import a_case
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


async def test_the_urgent_list_shows_the_first_twenty_counts_them_all_and_lists_all_on_request(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        for _ in range(25):
            clock.advance(minutes=1)
            await requests.create(
                uow, world.beto_case.id, reason=RequestReason.TALK, urgency=Urgency.URGENT
            )
        await uow.commit()
    marta: Browser = browsers()
    await marta.login("marta")

    def urgent_list(html: str) -> str:
        return html[html.index('id="urgent-list"') : html.index('class="muted small live-note"')]

    board = (await marta.get("/")).text
    urgent = urgent_list(board)
    assert '<span class="count" id="urgent-count">27</span>' in board  # 2 flags, 25 requests
    assert urgent.count('<li class="item urgent') == 20
    assert urgent.index(f'data-key="flag-{world.ana_case.flag}"') < urgent.index("Pide hablar ya")
    assert '<a href="/?more=urgent#urgent-title">y 7 más</a>' in urgent
    assert 'data-count="27"' in urgent  # the page's script counts them all, not the 20

    fragment = (await marta.get("/dashboard/urgent")).text
    assert 'data-count="27"' in fragment and fragment.count('<li class="item urgent') == 20
    assert "y 7 más" in fragment

    whole = (await marta.get("/?more=urgent")).text
    assert urgent_list(whole).count('<li class="item urgent') == 27 and "y 7 más" not in whole
    assert 'data-poll-url="/dashboard/urgent?more=urgent"' in whole
    polled = (await marta.get("/dashboard/urgent?more=urgent")).text
    assert polled.count('<li class="item urgent') == 27


async def test_the_dashboard_page_loads_the_polling_script_only_as_a_file(as_ana: Browser) -> None:
    html = (await as_ana.get("/")).text
    assert re.search(r'<script src="/static/console\.js\?v=\w+" defer></script>', html)
    assert "<script>" not in html and " on" + "click=" not in html
    assert 'data-poll-url="/dashboard/urgent"' in html


async def test_the_silent_section_counts_the_silent_cases_it_does_not_list(
    world: World, container: Container, clock: FakeClock
) -> None:
    from staff_console.options import ConsoleOptions
    from staff_console.queries.dashboard import dashboard

    clock.advance(days=15)  # both chats silent since they were linked
    async with container.uow() as uow:
        one = await dashboard(uow, world.coordinator, clock.now, ConsoleOptions(section_limit=1))
        every = await dashboard(uow, world.coordinator, clock.now, ConsoleOptions())

    assert len(every.silent.rows) == every.silent.total == 2
    assert one.silent.rows == every.silent.rows[:1]
    assert (one.silent.total, one.silent.more) == (2, 1)


async def test_a_silent_case_that_writes_leaves_the_silent_section_and_the_other_says_since_when(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    clock.advance(days=15, hours=3)  # both wrote when the world was built
    as_marta: Browser = browsers()  # their home's coordinator
    await as_marta.login("marta")
    html = (await as_marta.get("/")).text
    assert "Colibrí" in section(html, "silent") and "Jaguar" in section(html, "silent")

    async with container.uow() as uow:
        await messages.record_inbound(
            uow, world.ana_case.id, channel=Channel.TELEGRAM, body="Ya volví"
        )
        await uow.commit()
    clock.advance(minutes=20)
    silent = section((await as_marta.get("/")).text, "silent")

    assert "Colibrí" not in silent
    assert "Jaguar" in silent and "Último mensaje hace 15 d 3 h" in silent
    assert '<span class="count">1</span>' in silent


async def test_the_dashboard_warns_before_a_case_passes_its_phases_time_limit(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    """The world's cases entered integration (90 days by default) today; this home
    gives integration 30 days. A week before the 30 days the coordinator is warned."""
    admin: Browser = browsers()
    await admin.login("admin")
    page = (await admin.get(f"/admin/homes/{world.home}")).text
    assert 'name="limit_integration" min="1" max="3650" value="90"' in page
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await homes.update_home(
            uow,
            world.admin,
            world.home,
            name=home.name,
            kind=home.kind,
            timezone=home.timezone,
            evaluation_cadence_days=home.evaluation_cadence_days,
            retention_days=home.retention_days,
            quiet_start=home.quiet_start,
            quiet_end=home.quiet_end,
            emergency_numbers=home.emergency_numbers,
            phase_limits={Phase.INTEGRATION: 30},
        )
        await uow.commit()
    marta: Browser = browsers()
    await marta.login("marta")
    clock.advance(days=20)
    assert 'id="phases"' not in (await marta.get("/")).text
    clock.advance(days=4)
    await marta.login("marta")
    warned = section((await marta.get("/")).text, "phases")
    assert "Por vencer" in warned and "quedan 6 días" in warned
    assert world.ana_case.alias in warned and world.beto_case.alias in warned
    clock.advance(days=10)
    await marta.login("marta")
    late = section((await marta.get("/")).text, "phases")
    assert "Pasó el límite" in late and "pasó hace 4 días" in late


async def test_the_dashboard_and_the_staff_page_warn_when_an_operator_holds_too_many(
    browsers: Any, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        for number in range(8):  # ana held one: now nine, one over the ratio of 8
            await a_case(uow, home, world.ana, f"MX-2026-01{number:02d}")
        await uow.commit()
    marta: Browser = browsers()
    await marta.login("marta")
    warned = section((await marta.get("/")).text, "caseload")
    assert "Ana" in warned and "9 de 8" in warned and "Beto" not in warned
    beto: Browser = browsers()
    await beto.login("beto")
    assert 'id="caseload"' not in (await beto.get("/")).text  # only one's own
    admin: Browser = browsers()
    await admin.login("admin")
    staff = (await admin.get("/admin/staff")).text
    row = staff[staff.index(f'id="staff-{world.ana.id}"') :]
    assert "más de 8" in row[: row.index("</tr>")]


async def test_more_rows_are_a_link_and_system_alerts_say_since_when_not_how_long_waited(
    browsers: Any, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        for _ in range(12):
            await requests.create(
                uow, world.ana_case.id, reason=RequestReason.OTHER, urgency=Urgency.NORMAL
            )
        await flags.raise_flag(
            uow,
            world.ana_case.id,
            category=FlagCategory.MISSED_APPOINTMENT,
            severity=Severity.MEDIUM,
        )
        await uow.commit()
    marta: Browser = browsers()
    await marta.login("marta")
    board = (await marta.get("/")).text
    asked = section(board, "requests")
    assert '<a href="/?more=requests#requests">y 4 más</a>' in asked  # 14 open, 10 shown
    whole = section((await marta.get("/?more=requests")).text, "requests")
    assert whole.count('class="item"') == 14 and "más</a>" not in whole
    flagged = section(board, "flags")
    missed = flagged[flagged.index("Cita perdida") :]
    assert missed[: missed.index("</li>")].count("Espera") == 0
    assert "Desde " in missed[: missed.index("</li>")]
