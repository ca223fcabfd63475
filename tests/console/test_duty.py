"""The duty roster in the console, on-duty access to alerts, and alert channels."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.inbound import Inbound, receive
from dialogs.events import Event
from plan_store.enums import Channel, FlagStatus
from plan_store.models import Alert, AuditEntry, Flag, StaffChat
from rumbo.container import Container
from tests.console.conftest import Browser, audit_count
from tests.console.world import World


async def logged_in(browsers: Any, username: str) -> Browser:
    browser: Browser = browsers()
    assert (await browser.login(username)).status_code == 303
    return browser


async def alert_of(container: Container, case_id: int) -> int:
    async with container.uow() as uow:
        alert_id = await uow.session.scalar(select(Alert.id).where(Alert.adolescent_id == case_id))
        assert alert_id is not None
        return int(alert_id)


async def beto_all_week(marta: Browser, world: World) -> None:
    response = await marta.post(
        f"/duty/{world.home}/shifts",
        {"staff_id": str(world.beto.id), "starts": "00:00", "ends": "00:00"}
        | {"weekday": [str(day) for day in range(7)]},  # type: ignore[dict-item]
    )
    assert response.status_code == 303


async def test_a_coordinator_puts_beto_on_duty_and_every_page_says_so(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    assert "Nadie de turno" in (await marta.get("/cases")).text
    dashboard = (await marta.get("/")).text
    assert "nadie está de turno ahora" in dashboard and "duty-warning" in dashboard

    await beto_all_week(marta, world)

    ana = await logged_in(browsers, "ana")
    for path in ("/", "/cases", "/duty", "/account"):
        assert "De turno: Beto" in (await ana.get(path)).text, path
    assert "domingo" in (await ana.get("/duty")).text
    # Ana may read the roster, not change it.
    assert 'action="/duty/' not in (await ana.get("/duty")).text
    refused = await ana.post(
        f"/duty/{world.home}/shifts",
        {"staff_id": str(world.ana.id), "weekday": "0", "starts": "08:00", "ends": "09:00"},
    )
    assert refused.status_code == 404
    assert await audit_count(container, "duty.shift_add", staff_id=world.coordinator.id) == 1
    # Beto is on duty but nothing reaches him yet: the coordinator is warned.
    dashboard = (await marta.get("/")).text
    assert "de turno sin canal de alertas: Beto" in dashboard


async def test_on_duty_beto_acts_on_an_alert_of_anas_case_and_nothing_else_of_it(
    browsers: Any, world: World, container: Container
) -> None:
    marta = await logged_in(browsers, "marta")
    beto = await logged_in(browsers, "beto")
    alert_id = await alert_of(container, world.ana_case.id)
    # Off duty, Ana's alert is none of Beto's business.
    assert (await beto.get(f"/alerts/{alert_id}")).status_code == 404
    assert await audit_count(container, "alert.out_of_scope", staff_id=world.beto.id) == 1

    await beto_all_week(marta, world)
    page = await beto.get(f"/alerts/{alert_id}")
    assert page.status_code == 200
    assert world.ana_case.case_number in page.text and "Me quiero ir de la casa" in page.text
    assert "acceso de turno" in page.text
    assert world.ana_case.case_number in (await beto.get("/")).text  # on his dashboard
    async with container.uow() as uow:
        read = await uow.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "alert.read", AuditEntry.staff_id == world.beto.id
            )
        )
        assert read is not None and read.details == {"on_duty_access": True}

    response = await beto.post(f"/alerts/{alert_id}/acknowledge")
    assert response.status_code == 303
    async with container.uow() as uow:
        alert = await uow.session.get(Alert, alert_id)
        flag = await uow.session.get(Flag, world.ana_case.flag)
        assert alert is not None and alert.acknowledged_by_id == world.beto.id
        assert flag is not None and flag.status is FlagStatus.ACKNOWLEDGED
    # Nothing else of Ana's case: its page stays closed to him.
    assert (await beto.get(f"/cases/{world.ana_case.id}")).status_code == 404
    # The time it took shows on the coordinator's dashboard.
    assert "mediana 0 s" in (await marta.get("/")).text


async def test_a_staff_member_links_her_telegram_from_her_account_page(
    browsers: Any, world: World, container: Container
) -> None:
    ana = await logged_in(browsers, "ana")
    page = (await ana.post("/account/telegram")).text
    found = re.search(r"/start staff-([A-Z0-9]{8})", page)
    assert found is not None
    assert f"https://t.me/rumbo_test_bot?start=staff-{found.group(1)}" in page

    reply = await receive(
        container.uow,
        Inbound(Channel.TELEGRAM, "u1", "777", Event.start(f"staff-{found.group(1)}")),
    )
    assert reply is not None and "aquí te llegarán las alertas" in reply.screens[0].text
    async with container.uow() as uow:
        (chat,) = await uow.session.scalars(select(StaffChat))
        assert (chat.staff_id, chat.external_id) == (world.ana.id, "777")
    assert "Tu Telegram está vinculado" in (await ana.get("/account")).text
    # The code works once; the chat never reaches the adolescents' dialogs.
    again = await receive(container.uow, Inbound(Channel.TELEGRAM, "u2", "777", Event.text("menú")))
    assert again is not None and "Este chat recibe las alertas de Rumbo" in again.screens[0].text


async def test_on_duty_every_page_gets_the_homes_open_alerts_by_case_number_never_words(
    browsers: Any, world: World, container: Container
) -> None:
    beto = await logged_in(browsers, "beto")
    off_duty = (await beto.get("/alerts/live")).json()["alerts"]
    assert off_duty == []  # nobody told him, and he is not on duty
    await beto_all_week(await logged_in(browsers, "marta"), world)

    live = await beto.get("/alerts/live")
    assert live.status_code == 200
    shown = live.json()["alerts"]
    assert sorted(a["case"] for a in shown) == sorted(
        [world.ana_case.case_number, world.beto_case.case_number]
    )
    assert all(a["url"].startswith("/alerts/") and a["category"] == "Quiere irse" for a in shown)
    for words in (world.ana_case.alias, world.beto_case.alias, "Me quiero ir"):
        assert words not in live.text
    # The page's script asks for these; the banner is in every page.
    assert 'id="alert-banner"' in (await beto.get("/cases")).text
