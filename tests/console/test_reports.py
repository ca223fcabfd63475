"""Reports: counts per month and per kind, drawn as SVG with a table beside each
chart, for coordination (its home) and admins (any home); the same numbers as CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from plan_store.enums import AppointmentAnswer, AppointmentKind, Channel
from plan_store.models import Alert
from plan_store.services import alerts, appointments, messages
from rumbo.container import Container
from tests.conftest import FakeClock
from tests.console.conftest import Browser, audit_count
from tests.console.world import World


async def logged_in(browsers: Any, username: str) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login(username)).status_code == 303
    return browser


def table_of(html: str, key: str) -> list[list[str]]:
    section = html[html.index(f'id="chart-{key}"') :]
    section = section[: section.index("</section>")]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in rows]


async def test_coordination_sees_its_homes_report_with_charts_tables_and_csv(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    clock.advance(minutes=4)
    async with container.uow() as uow:
        alert = await uow.session.scalar(
            select(Alert).where(Alert.adolescent_id == world.ana_case.id)
        )
        assert alert is not None
        await alerts.acknowledge(uow, world.ana, alert.id, via="console")
        await uow.commit()
    clock.advance(minutes=1)  # the health appointment has started
    async with container.uow() as uow:
        await messages.record_inbound(
            uow, world.beto_case.id, channel=Channel.TELEGRAM, body="hola"
        )
        await appointments.answer(
            uow,
            world.ana_case.id,
            world.ana_case.past_appointment,
            AppointmentAnswer.MISSED,
            by_staff=world.ana,
        )
        await uow.commit()
    marta = await logged_in(browsers, "marta")
    page = (await marta.get("/reports")).text
    assert "Reportes: Casa Ceiba" in page
    assert page.count('<svg class="chart"') == 6  # every chart, drawn on the server
    assert "<script" not in page.split("<main", 1)[1].split("</main>")[0]  # no chart library
    chats = table_of(page, "chats")
    assert chats[-1] == ["mar 2026", "2"]  # both cases wrote this month
    # Ana saw her urgent alert four minutes after it was raised; Beto's still waits.
    assert table_of(page, "alerts")[-1] == ["mar 2026", "4", "4"]
    kinds = {row[0]: row[1:] for row in table_of(page, "appointments")[1:]}
    assert kinds["Salud"] == ["0", "1"]  # went 0, missed 1
    assert await audit_count(container, "report.read", staff_id=world.coordinator.id) == 1

    download = await marta.get("/reports.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0] == ["Gráfica", "Categoría", "Serie", "Valor"]
    assert ["Salud", "Faltó", "1"] in [r[1:] for r in rows]

    operator = await logged_in(browsers, "ana")
    assert (await operator.get("/reports")).status_code == 404


async def test_an_admin_sees_every_home_or_one(
    browsers: Any, world: World, container: Container, clock: FakeClock
) -> None:
    async with container.uow() as uow:
        await appointments.schedule(
            uow,
            world.ana,
            world.ana_case.id,
            kind=AppointmentKind.SCHOOL,
            title="Clase",
            place="",
            starts_at=clock.now + timedelta(hours=1),
        )
        await uow.commit()
    admin = await logged_in(browsers, "admin")
    everything = (await admin.get("/reports")).text
    assert "Reportes: todas las casas" in everything and "Casa Nido" in everything
    nido = (await admin.get(f"/reports?home={world.other_home}")).text
    assert "Reportes: Casa Nido" in nido
    assert table_of(nido, "chats")[-1] == ["mar 2026", "0"]
    assert (await admin.get("/reports?home=999")).status_code == 404
