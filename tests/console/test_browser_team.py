"""The care team's pages and the walkthrough's fixes in a real browser (Debian's
chromium through Playwright). Every page is photographed at laptop and phone size
into test-artifacts/console/ (``team-*``), and checked not to overflow on a phone."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from plan_store.enums import FlagCategory, Phase, RequestReason, Role, Severity, Urgency
from plan_store.models import Home
from plan_store.services import flags, homes, requests
from rumbo.container import Container
from tests.builders import a_case, a_staff_member
from tests.conftest import FakeClock
from tests.console import test_browser as shared
from tests.console.conftest import AUTHENTICATORS
from tests.console.test_browser import LAPTOP, PHONE, Opener, log_in
from tests.console.world import World

# One chromium per module, and the live console of ``test_browser``, shared here.
pytestmark = shared.pytestmark
ARTIFACTS = shared.ARTIFACTS
options = shared.options
database_url = shared.database_url
container = shared.container
world = shared.world
live_url = shared.live_url
chromium = shared.chromium
open_page = shared.open_page


async def both(page: Page, name: str) -> None:
    """Photograph the page at laptop and at phone size; on the phone nothing may
    stick out sideways (tables turn into cards, buttons wrap)."""
    await page.set_viewport_size(LAPTOP)
    await page.screenshot(path=str(ARTIFACTS / f"team-{name}-laptop.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, name
    await page.screenshot(path=str(ARTIFACTS / f"team-{name}-phone.png"), full_page=True)
    await page.set_viewport_size(LAPTOP)


async def test_a_psychologist_reads_the_case_as_a_picture_and_leaves_a_note(
    open_page: Opener, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await a_staff_member(uow, home, "lucia", Role.PSYCHOLOGIST, display_name="Lucía")
        await uow.commit()
    page = await open_page()
    await log_in(page, "lucia")
    await page.goto(f"/cases/{world.beto_case.id}")  # her home's case, not her own caseload
    await expect(page.locator(".progress-bars svg.bar")).to_have_count(3)
    await expect(page.locator("#activity .event").first).to_be_visible()
    await expect(page.locator("#activity")).to_contain_text("Escribió")
    await page.get_by_label("Nota para el equipo (no llega a su chat)").fill(
        "Habló de su familia; quiere llamar a su mamá."
    )
    await page.get_by_role("button", name="Guardar la nota").click()
    await expect(page.locator(".notice.done")).to_have_text(
        "Nota guardada. La ve el equipo del caso, no el chat."
    )
    await expect(page.locator("#notes")).to_contain_text("Lucía (Psicología)")
    await expect(page.get_by_role("button", name="Enviar")).to_have_count(0)  # no reply form
    await page.locator("#phases summary").click()
    await expect(page.locator(".phase-history")).to_contain_text("Integración")
    await both(page, "01-case-as-a-picture")


async def test_a_handover_note_is_read_first_by_the_new_operator(
    open_page: Opener, world: World
) -> None:
    page = await open_page()
    await log_in(page, "marta")
    await page.goto(f"/cases/{world.ana_case.id}")
    await page.locator("#coordination summary").click()
    await page.locator('select[name="reference_operator_id"]').select_option(str(world.beto.id))
    await page.get_by_label("Nota de entrega para quien lo recibe").fill(
        "Tiene examen de Historia el martes. Le cuesta pedir ayuda: pregúntale tú."
    )
    await page.get_by_role("button", name="Cambiar operador(a)").click()
    await expect(page.locator(".notice.done").first).to_contain_text("Operador(a) de referencia")
    await expect(page.locator(".notices")).to_contain_text("Se le avisó por su chat.")
    await both(page, "02-handover-given")

    phone = await open_page(PHONE)
    await log_in(phone, "beto")
    await expect(phone.locator("#handovers")).to_contain_text("Casos que te pasaron")
    await both(phone, "03-handover-on-the-dashboard")
    await phone.locator(".handover").get_by_role("link", name="Colibrí").click()
    card = phone.locator(".handover").first
    await expect(card).to_contain_text("Tiene examen de Historia el martes.")
    await expect(card).to_be_in_viewport()
    await both(phone, "04-handover-read-first")
    await phone.get_by_role("button", name="Ya la leí").click()
    await expect(phone.locator(".handover")).to_have_count(0)


async def test_reports_draw_charts_with_tables_print_and_download(
    open_page: Opener, world: World
) -> None:
    page = await open_page()
    await log_in(page, "marta")
    await page.get_by_role("link", name="Reportes").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Reportes: Casa Ceiba")
    await expect(page.locator("svg.chart")).to_have_count(6)
    await expect(page.locator("table.report-table")).to_have_count(6)
    await both(page, "05-reports")
    await page.emulate_media(media="print")
    await page.screenshot(path=str(ARTIFACTS / "team-05-reports-print.png"), full_page=True)
    await expect(page.locator(".top")).to_be_hidden()
    await page.emulate_media(media="screen")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Descargar CSV").click()
    assert (await download.value).suggested_filename == f"rumbo-reportes-{world.home}.csv"


async def test_the_dashboard_warns_about_phase_limits_and_caseloads_and_links_the_rest(
    open_page: Opener, world: World, container: Container, clock: FakeClock
) -> None:
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
        for number in range(8):
            await a_case(uow, home, world.ana, f"MX-2026-02{number:02d}")
        for _ in range(12):
            await requests.create(
                uow, world.beto_case.id, reason=RequestReason.OTHER, urgency=Urgency.NORMAL
            )
        await flags.raise_flag(
            uow, world.ana_case.id, category=FlagCategory.STEP_DUE, severity=Severity.LOW
        )
        await uow.commit()
    clock.advance(days=26)
    page = await open_page()
    await log_in(page, "marta")
    phases = page.locator(".panel").filter(has=page.locator("#phases"))
    await expect(phases).to_contain_text("Por vencer")
    caseload = page.locator(".panel").filter(has=page.locator("#caseload"))
    await expect(caseload).to_contain_text("9 de 8")
    flagged = page.locator(".panel").filter(has=page.locator("#flags"))
    await expect(flagged.locator(".item").filter(has_text="Paso vencido")).to_contain_text("Desde")
    await expect(flagged.locator(".item").filter(has_text="Paso vencido")).not_to_contain_text(
        "Espera"
    )
    await both(page, "06-dashboard-warnings")
    await page.get_by_role("link", name="y 4 más").click()
    await expect(page.locator("#requests ~ ol .item")).to_have_count(14)
    await both(page, "07-dashboard-more-rows")


async def test_the_sheet_covers_its_period_and_the_saved_notice_is_in_view(
    open_page: Opener, world: World
) -> None:
    page = await open_page()
    await log_in(page, "ana")
    await page.goto(f"/cases/{world.ana_case.id}/evaluation")
    await expect(page.locator(".sheet")).to_contain_text("Lo que pasó en el periodo")
    await expect(page.locator(".sheet .activity")).to_contain_text("Me quiero ir de la casa")
    await both(page, "08-evaluation-sheet")
    await page.get_by_label("Avances, dificultades y acuerdos").fill("Va bien en la escuela.")
    await page.get_by_role("button", name="Registrar").click()
    notice = page.locator(".notice.done")
    await expect(notice).to_have_text("Evaluación registrada.")
    await expect(notice).to_be_in_viewport()
    await both(page, "09-evaluation-saved")


async def test_the_walkthrough_fixes_on_laptop_and_phone(
    open_page: Opener, world: World, clock: FakeClock, chromium: Browser, live_url: str
) -> None:
    # Its own context: the 404 and 401 pages below are logged as failed loads, on purpose.
    context = await chromium.new_context(viewport=LAPTOP, locale="es-MX", base_url=live_url)
    page = await context.new_page()
    await log_in(page, "ana")
    # A mistyped case number: a notice in Spanish on the cases page.
    await page.goto("/cases")
    await page.get_by_placeholder("MX-2026-0001").fill("MX-2026-9999")
    await page.get_by_placeholder("MX-2026-0001").press("Enter")
    await expect(page.locator(".notice.problem")).to_contain_text("No hay un caso con ese número")
    await both(page, "10-mistyped-case-number")
    # A made-up address: the console's own page, in Spanish, with its navigation.
    await page.goto("/cases/abc")
    await expect(page.get_by_role("heading", level=1)).to_have_text("No encontrado")
    await expect(page.get_by_role("navigation", name="Secciones")).to_contain_text("Casos")
    await both(page, "11-not-found-with-navigation")
    # On a phone the cases table is cards: its last column stays on screen.
    await page.set_viewport_size(PHONE)
    await page.goto("/cases")
    badge = page.locator("table.cases .badge").first
    box = await badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    await page.set_viewport_size(LAPTOP)
    await both(page, "12-cases-as-cards")
    # A form sent after the login timed out keeps what was typed.
    await page.goto(f"/cases/{world.ana_case.id}")
    typed = "Dice que su hermana llega el domingo."
    await page.get_by_label("Nota para el equipo (no llega a su chat)").fill(typed)
    clock.advance(hours=9)
    await page.get_by_role("button", name="Guardar la nota").click()
    await expect(page.locator(".notice.problem")).to_contain_text("lo que escribiste no se perdió")
    await both(page, "13-expired-form-login")
    await page.get_by_label("Usuario").fill("ana")
    await page.get_by_label("Contraseña").fill("correct horse battery")
    await page.get_by_role("button", name="Entrar").click()
    # The second factor's page carries the note on.
    code = AUTHENTICATORS[0].code("ana")
    await page.get_by_label("Código de tu aplicación de autenticación").fill(code)
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_label("Lo que escribiste")).to_have_value(typed)
    await both(page, "14-expired-form-resend")
    await page.get_by_role("button", name="Enviar").click()
    await expect(page.locator("#notes")).to_contain_text(typed)
    await context.close()

    admin = await open_page()
    await log_in(admin, "admin")
    await admin.goto("/admin/audit")
    await expect(admin.locator("table.audit")).to_contain_text("Escribió una nota del equipo")
    await both(admin, "15-audit-in-words")
    await admin.goto("/admin/consent")
    radio = admin.get_by_label("Una traducción de la versión vigente", exact=False)
    radio_box = await radio.bounding_box()
    label_box = await admin.locator("label.check", has=radio).bounding_box()
    assert radio_box is not None and label_box is not None
    assert radio_box["x"] - label_box["x"] < 8  # the button sits at its words, not away
    assert radio_box["width"] < 30
    await both(admin, "16-consent-radios")
