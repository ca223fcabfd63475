"""The console in a real browser (Debian's chromium through Playwright): the main
journeys, on a laptop and a phone, with JavaScript and without. Each step leaves a
screenshot in test-artifacts/console/."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from sqlalchemy import update

from plan_store.enums import Channel, FlagCategory, Severity
from plan_store.models import Adolescent, Base
from plan_store.services import alert_reads, alerts, flags, messages, staff_languages
from rumbo.container import Container, build_container
from rumbo.settings import Settings
from staff_console.options import ConsoleOptions
from tests.chromium import ARTIFACTS as ALL_ARTIFACTS
from tests.chromium import headless_chromium
from tests.conftest import FakeClock
from tests.console.conftest import AUTHENTICATORS
from tests.console.world import PASSWORD, World, build_world
from tests.databases import sqlite_url

# One chromium for the module: launching it is most of a browser test's time. The
# tests and their async fixtures share the module's event loop for that.
pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

ARTIFACTS = ALL_ARTIFACTS / "console"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def options() -> ConsoleOptions:
    return ConsoleOptions(poll_seconds=1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest_asyncio.fixture(loop_scope="module")
async def container(settings: Settings, clock: FakeClock) -> AsyncIterator[Container]:
    container = build_container(settings, clock=clock)
    async with container.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield container
    await container.aclose()


@pytest_asyncio.fixture(loop_scope="module")
async def world(container: Container) -> World:
    return await build_world(container.uow)


@pytest_asyncio.fixture(loop_scope="module")
async def live_url(app: Any, world: World) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.025)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def chromium() -> AsyncIterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with headless_chromium() as browser:
        yield browser


Opener = Callable[..., Awaitable[Page]]


@pytest_asyncio.fixture(loop_scope="module")
async def open_page(chromium: Browser, live_url: str) -> AsyncIterator[Opener]:
    """A new page (laptop size unless told), failing the test on any console error:
    a CSP violation or a script error shows up there."""
    problems: list[str] = []
    contexts: list[BrowserContext] = []

    async def opener(viewport: dict[str, int] = LAPTOP, javascript: bool = True) -> Page:
        context = await chromium.new_context(
            viewport=viewport, locale="es-MX", java_script_enabled=javascript, base_url=live_url
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    yield opener
    for context in contexts:
        await context.close()
    assert problems == []


async def log_in(page: Page, username: str = "ana") -> None:
    """Password, then the code of the authenticator app, as a person types them."""
    await page.goto("/login")
    await page.get_by_label("Usuario").fill(username)
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/login/code")
    code = AUTHENTICATORS[0].code(username)  # this test's authenticator app
    await page.get_by_label("Código de tu aplicación de autenticación").fill(code)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/")


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def open_case(page: Page, world: World) -> None:
    await page.goto(f"/cases/{world.ana_case.id}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Colibrí")


async def test_log_in_and_see_urgent_items_arrive_without_a_reload(
    open_page: Opener, world: World, container: Container
) -> None:
    page = await open_page()
    await page.goto("/login")
    await shot(page, "01-login")
    await log_in(page)
    urgent = page.locator("#urgent")
    await expect(urgent).to_contain_text("Quiere irse")
    await expect(page.locator(".live-note")).to_be_visible()
    await shot(page, "02-dashboard")
    async with container.uow() as uow:
        message = await messages.record_inbound(
            uow, world.ana_case.id, channel=Channel.TELEGRAM, body="Me pegaron en la escuela"
        )
        await flags.raise_flag(
            uow,
            world.ana_case.id,
            category=FlagCategory.VIOLENCE_ABUSE,
            severity=Severity.URGENT,
            message_id=message.id,
        )
        await uow.commit()
    await expect(urgent).to_contain_text("Violencia o abuso", timeout=8000)
    await expect(page.locator("#urgent-count")).to_have_text("2")
    await expect(page).to_have_title("(2) Panel · Rumbo")
    await shot(page, "03-dashboard-live-update")


async def test_open_a_case_and_edit_a_goal(open_page: Opener, world: World) -> None:
    page = await open_page()
    await log_in(page)
    await page.get_by_role("link", name="Colibrí").first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Colibrí")
    await shot(page, "04-case")
    goal = page.locator(f"#goal-{world.ana_case.goal}")
    await goal.get_by_text("Editar la meta").click()
    await goal.get_by_label("Meta", exact=True).fill("Terminar la secundaria abierta en junio")
    await goal.get_by_label("Estado").select_option("in_progress")
    await goal.get_by_role("button", name="Guardar la meta").click()
    await expect(page.locator(".notice.done")).to_have_text("Meta actualizada.")
    await expect(page.locator(f"#goal-{world.ana_case.goal} .goal-title")).to_have_text(
        "Terminar la secundaria abierta en junio"
    )
    step = page.locator(f"#step-{world.ana_case.step_done}")
    await step.get_by_role("button", name="Confirmar").click()
    await expect(page.locator(f"#step-{world.ana_case.step_done}")).to_contain_text(
        "Hecho y confirmado"
    )
    await shot(page, "05-goal-edited")


async def test_schedule_an_appointment(open_page: Opener, world: World) -> None:
    page = await open_page()
    await log_in(page)
    await open_case(page, world)
    section = page.locator("#appointments")
    await section.get_by_text("Agendar una cita").click()
    await section.get_by_label("Tipo").select_option("school")
    await section.get_by_label("Fecha y hora", exact=True).fill("2026-03-10T10:00")
    await section.get_by_label("Qué es").fill("Examen de Historia (INEA)")
    await section.get_by_label("Dónde").fill("Plaza comunitaria")
    await section.get_by_role("button", name="Agendar", exact=True).click()
    await expect(page.locator(".notice.done").first).to_have_text("Cita agendada.")
    await expect(page.locator(".notice.done").nth(1)).to_have_text("Se le avisó por su chat.")
    await expect(page.locator("#appointments")).to_contain_text("Examen de Historia (INEA)")
    await expect(page.locator("#appointments")).to_contain_text("mar 10 mar 2026, 10:00")
    await shot(page, "06-appointment-scheduled")


async def test_review_and_resolve_a_flag(open_page: Opener, world: World) -> None:
    page = await open_page()
    await log_in(page)
    await page.get_by_role("link", name="Alertas", exact=True).click()
    await shot(page, "07-flags")
    flag = page.locator(f"#flag-{world.ana_case.flag}")
    await flag.get_by_role("button", name="La vi, me encargo").click()
    await expect(page.locator(".notice.done")).to_have_text("Alerta marcada como vista.")
    await page.locator(f"#flag-{world.ana_case.flag}").get_by_role("link").first.click()
    card = page.locator(f"#flags #flag-{world.ana_case.flag}")
    await expect(card).to_contain_text("Me quiero ir de la casa")
    await card.get_by_role("button", name="Llevar a la evaluación").click()
    card = page.locator(f"#flags #flag-{world.ana_case.flag}")
    await card.get_by_text("Resolver", exact=True).click()
    await card.get_by_label("Qué se hizo").fill("Hablamos con ella y con su educadora.")
    await card.get_by_role("button", name="Guardar y resolver").click()
    await expect(page.locator(".notice.done")).to_have_text("Alerta resuelta.")
    await expect(page.locator("#flags")).to_contain_text("No hay alertas abiertas.")
    await shot(page, "08-flag-resolved")


async def test_issue_a_linking_code_with_a_visible_qr_code(open_page: Opener, world: World) -> None:
    page = await open_page()
    await log_in(page)
    await open_case(page, world)
    await page.get_by_role("button", name="Dar código para vincular su chat").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Código para vincular su chat")
    qr = page.get_by_role("img", name="Código QR con el código de vinculación")
    await expect(qr).to_be_visible()
    assert await qr.evaluate("image => image.complete && image.naturalWidth > 0")
    await expect(page.locator(".linking-code")).to_have_text(
        re.compile(r"^[A-Z2-9]{4} [A-Z2-9]{4}$")
    )
    await expect(page.locator("body")).to_contain_text("https://t.me/rumbo_test_bot?start=")
    await shot(page, "09-linking-code")


async def test_prepare_and_record_the_evaluation(open_page: Opener, world: World) -> None:
    page = await open_page()
    await log_in(page, "marta")
    await page.get_by_role("link", name="Evaluaciones").click()
    await shot(page, "10-evaluations")
    await page.goto(f"/cases/{world.ana_case.id}/evaluation")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Hoja para la evaluación")
    await page.get_by_label("Avances, dificultades y acuerdos").fill(
        "Va bien con la secundaria. Falta trabajar el sueño."
    )
    await shot(page, "11-evaluation-sheet")
    await page.get_by_role("button", name="Registrar").click()
    await expect(page.locator(".notice.done")).to_have_text("Evaluación registrada.")


async def test_on_a_phone_nothing_overflows(open_page: Opener, world: World) -> None:
    page = await open_page(PHONE)
    await log_in(page)
    for path, name in (
        ("/", "12-phone-dashboard"),
        (f"/cases/{world.ana_case.id}", "13-phone-case"),
    ):
        await page.goto(path)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
        await shot(page, name)


async def test_everything_works_without_javascript(open_page: Opener, world: World) -> None:
    page = await open_page(javascript=False)
    await log_in(page)
    await expect(page.locator("#urgent")).to_contain_text("Quiere irse")
    await open_case(page, world)
    plan = page.locator("#plan")
    await plan.get_by_text("Agregar una meta").click()
    await plan.get_by_label("Meta", exact=True).last.fill("Aprender a nadar")
    await plan.get_by_label("Programa").last.select_option("personal_growth")
    await plan.get_by_role("button", name="Agregar la meta").click()
    await expect(page.locator(".notice.done")).to_have_text("Meta agregada al plan.")
    await expect(page.locator("#plan")).to_contain_text("Aprender a nadar")
    await shot(page, "14-no-javascript")


async def test_the_admin_reads_the_audit_log_with_filters(open_page: Opener, world: World) -> None:
    page = await open_page()
    await log_in(page, "ana")
    await open_case(page, world)  # an audited read to find in the log
    await page.context.clear_cookies()
    await log_in(page, "admin")
    await page.get_by_role("link", name="Administración").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Cuentas del personal")
    await shot(page, "15-admin-staff")
    await page.get_by_role("link", name="Registro de auditoría").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Registro de auditoría")
    await page.get_by_label("Persona").select_option(str(world.ana.id))
    await page.get_by_label("Acción").fill("case.read")
    await page.get_by_role("button", name="Filtrar").click()
    rows = page.locator("table.audit tbody tr")
    await expect(rows.first).to_contain_text("Ana")
    await expect(rows.first).to_contain_text(world.ana_case.case_number)
    for index in range(await rows.count()):
        await expect(rows.nth(index)).to_contain_text("case.read")
    assert "Me quiero ir de la casa" not in await page.content()
    await shot(page, "16-admin-audit-log")


async def test_a_coordinator_reads_the_languages_and_adds_a_risk_term(
    open_page: Opener, world: World
) -> None:
    page = await open_page()
    await log_in(page, "marta")
    await page.get_by_role("link", name="Idiomas").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Idiomas")
    await expect(page.locator("#lang-quc")).to_contain_text("K'iche'")
    await shot(page, "17-languages")
    await page.get_by_role("link", name="Mam", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Mam")
    terms = page.locator("#terms")
    await terms.get_by_label("Palabras, en orden").fill("tío chucho")
    await terms.get_by_label("Tema").select_option("running_away")
    await terms.get_by_label("Gravedad").select_option("high")
    await terms.get_by_role("button", name="Agregar el término").click()
    await expect(page.locator(".notice.done")).to_have_text(
        "Término agregado. Cuenta desde el próximo mensaje."
    )
    await expect(page.locator("#terms table.terms")).to_contain_text("tío chucho")
    await expect(page.locator("#voice")).to_contain_text("consent:messaging:1")
    await shot(page, "18-language-mam")


async def test_the_admin_pages_fit_on_a_phone(open_page: Opener, world: World) -> None:
    page = await open_page(PHONE)
    await log_in(page, "admin")
    for path, name in (
        ("/admin/staff", "19-phone-admin-staff"),
        ("/admin/audit", "20-phone-admin-audit"),
        ("/languages/es", "21-phone-language"),
    ):
        await page.goto(path)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
        await shot(page, name)


async def test_a_coordinator_admits_an_adolescent_and_can_issue_the_code(
    open_page: Opener, world: World
) -> None:
    page = await open_page()
    await log_in(page, "marta")
    await page.get_by_role("link", name="Casos", exact=True).click()
    await page.get_by_role("link", name="Admitir a un(a) adolescente").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Admitir a un(a) adolescente")
    form = page.locator("#admission")
    await form.get_by_label("Número de caso").fill("MX-2026-0101")
    await form.get_by_label("Nombre que elige").fill("Quetzal")
    await form.get_by_label("Fecha de nacimiento").fill("2011-07-09")
    await form.get_by_label("Idioma del chat").select_option("mam")
    await form.get_by_label("Operador(a) de referencia").select_option(str(world.beto.id))
    await shot(page, "22-admission")
    await form.get_by_role("button", name="Admitir y abrir su caso").click()
    await expect(page.locator(".notice.done")).to_have_text(
        "Caso abierto. Ahora dale su código para vincular el chat."
    )
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Quetzal")
    await expect(
        page.get_by_role("button", name="Dar código para vincular su chat")
    ).to_be_visible()
    await shot(page, "23-admitted-case")
    await page.get_by_text("Operador(a), entorno de cuidado y sus datos").click()
    await expect(page.get_by_role("button", name="Descargar sus datos")).to_be_visible()
    await shot(page, "24-case-coordination")


RECORD_NOTIFICATIONS = """
window.__shown = [];
window.Notification = class {
  constructor(title, options) { window.__shown.push(title + " | " + options.body); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


async def test_a_new_urgent_alert_shows_a_banner_and_a_browser_notification_within_seconds(
    open_page: Opener, world: World, container: Container
) -> None:
    async with container.uow() as uow:  # the world's alerts, seen already
        for alert in await alert_reads.open_alerts(uow):
            await alerts.acknowledge(uow, world.coordinator, alert.id, via="console")
        await uow.commit()
    page = await open_page()
    await page.add_init_script(RECORD_NOTIFICATIONS)
    await log_in(page, "marta")
    await page.goto("/cases")
    banner = page.locator("#alert-banner")
    await expect(banner).to_be_hidden()

    async with container.uow() as uow:  # nobody on duty: the coordinator is told
        message = await messages.record_inbound(
            uow, world.ana_case.id, channel=Channel.TELEGRAM, body="ya no aguanto"
        )
        await flags.raise_flag(
            uow,
            world.ana_case.id,
            category=FlagCategory.SELF_HARM,
            severity=Severity.URGENT,
            message_id=message.id,
        )
        await uow.commit()
    await expect(banner).to_be_visible(timeout=8000)
    await expect(banner).to_contain_text(f"{world.ana_case.case_number} · Riesgo de autolesión")
    shown = await page.evaluate("window.__shown")
    assert shown == [f"Rumbo: {world.ana_case.case_number} | Riesgo de autolesión · 0 min"]
    await expect(banner).not_to_contain_text(world.ana_case.alias)
    await shot(page, "20-alert-banner")

    await banner.get_by_role("link").click()
    await page.get_by_role("button", name="👀 Lo veo, me encargo").click()
    await expect(page.locator(".notice.done")).to_contain_text("Alerta marcada como vista")
    await expect(banner).to_be_hidden(timeout=8000)


async def test_each_flag_and_request_names_who_speaks_the_adolescents_language(
    open_page: Opener, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        await staff_languages.set_spoken(uow, world.beto, world.beto.id, ["quc"])
        await uow.commit()
    async with container.engine.begin() as connection:
        for case_id, code in ((world.ana_case.id, "quc"), (world.beto_case.id, "mam")):
            await connection.execute(
                update(Adolescent).where(Adolescent.id == case_id).values(language=code)
            )
    page = await open_page()
    await log_in(page, "marta")
    kiche, mam = "🗣️ Hablan K'iche': Beto", "⚠️ Nadie del equipo de la casa habla Mam"
    urgent = page.locator("#urgent")
    await expect(urgent.locator(f'[data-key="flag-{world.ana_case.flag}"]')).to_contain_text(kiche)
    await expect(urgent.locator(f'[data-key="flag-{world.beto_case.flag}"]')).to_contain_text(mam)
    await expect(request_row(page, world.ana_case.case_number)).to_contain_text(kiche)
    await expect(request_row(page, world.beto_case.case_number)).to_contain_text(mam)
    await shot(page, "speakers-1-dashboard")

    await page.goto("/flags")
    await expect(page.locator(f"#flag-{world.ana_case.flag}")).to_contain_text(kiche)
    await expect(page.locator(f"#flag-{world.beto_case.flag}")).to_contain_text(mam)
    await shot(page, "speakers-2-flags")

    await page.goto(f"/cases/{world.beto_case.id}")
    await expect(page.locator(f"#flags #flag-{world.beto_case.flag}")).to_contain_text(mam)
    await expect(page.locator("#requests li.item").first).to_contain_text(mam)
    await shot(page, "speakers-3-case")


def request_row(page: Page, case_number: str) -> Locator:
    """The dashboard's row of ``case_number`` among the requests to talk."""
    panel = page.locator("section.panel").filter(has=page.locator("#requests"))
    return panel.locator("li.item").filter(has_text=case_number)
