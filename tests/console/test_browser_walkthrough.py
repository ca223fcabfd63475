"""The walkthrough's fixes that ``test_browser_team`` does not photograph, in a real
browser at laptop and phone size (test-artifacts/console/``team-2x-*``): confirming
a step tells her, and says so where the button was; the messages read newest first
by time, whatever order they were stored in; the audit log links the case and the
thing each entry is about; the social worker records the evaluation she holds."""

from __future__ import annotations

from playwright.async_api import expect
from sqlalchemy import select

from plan_store.enums import Channel, Role
from plan_store.models import Home, OutboxMessage
from plan_store.services import messages, outbox
from rumbo.container import Container
from tests.builders import a_staff_member
from tests.conftest import FakeClock
from tests.console import test_browser as shared
from tests.console.test_browser import PHONE, Opener, log_in
from tests.console.test_browser_team import both
from tests.console.world import World

pytestmark = shared.pytestmark
options = shared.options
database_url = shared.database_url
container = shared.container
world = shared.world
live_url = shared.live_url
chromium = shared.chromium
open_page = shared.open_page


async def test_confirming_a_step_tells_her_and_says_so_at_the_step(
    open_page: Opener, world: World, container: Container
) -> None:
    page = await open_page(PHONE)
    await log_in(page, "ana")
    await page.goto(f"/cases/{world.ana_case.id}")
    step = page.locator(f"#step-{world.ana_case.step_done}")
    await step.get_by_role("button", name="Confirmar").click()
    await expect(step).to_contain_text("Hecho y confirmado")
    notices = page.locator(f"#step-{world.ana_case.step_done} .notices")
    await expect(notices).to_contain_text("Paso confirmado.")
    await expect(notices).to_contain_text("Se le avisó por su chat.")
    await expect(notices).to_be_in_viewport()
    await both(page, "23-step-confirmed-she-is-told")
    async with container.uow() as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.adolescent_id == world.ana_case.id)
        )
        texts = [str(outbox.payload_of(uow, row).get("text", "")) for row in rows]
    assert any("Inscribirte en el INEA" in text for text in texts), texts


async def test_the_messages_read_newest_first_by_their_time_not_their_order_of_storage(
    open_page: Opener, world: World, container: Container, clock: FakeClock
) -> None:
    case = world.ana_case.id
    clock.advance(hours=2)
    async with container.uow() as uow:
        await messages.reply(uow, world.ana, case, "Te llamo en un rato.")
        await uow.commit()
    clock.advance(hours=-1)  # stored after the reply, written before it (a late delivery)
    async with container.uow() as uow:
        await messages.record_inbound(uow, case, channel=Channel.TELEGRAM, body="¿Me oyes?")
        await uow.commit()
    clock.advance(hours=1, minutes=5)
    page = await open_page()
    await log_in(page, "ana")
    await page.goto(f"/cases/{case}#messages")
    words = page.locator("#messages ol.timeline > li .words")
    await expect(words).to_have_text(
        ["Te llamo en un rato.", "¿Me oyes?", "Me quiero ir de la casa"]
    )
    await both(page, "24-messages-by-time")


async def test_the_audit_log_links_the_case_and_what_each_entry_is_about(
    open_page: Opener, world: World
) -> None:
    ana = await open_page()
    await log_in(ana, "ana")
    await ana.goto(f"/cases/{world.ana_case.id}")
    await ana.get_by_label("Nota para el equipo (no llega a su chat)").fill("Habló de su tía.")
    await ana.get_by_role("button", name="Guardar la nota").click()
    await expect(ana.locator("#notes .notices")).to_contain_text("Nota guardada.")

    admin = await open_page(PHONE)
    await log_in(admin, "admin")
    await admin.goto("/admin/audit")
    row = admin.locator("table.audit tr", has_text="Escribió una nota del equipo").first
    await expect(row.get_by_role("link", name=world.ana_case.case_number)).to_have_attribute(
        "href", f"/cases/{world.ana_case.id}"
    )
    note = row.get_by_role("link", name="Nota n.º")
    await expect(note).to_have_attribute("href", f"/cases/{world.ana_case.id}#note-1")
    await both(admin, "25-audit-links-the-case")
    await note.click()
    await expect(admin.locator("#note-1")).to_contain_text("Habló de su tía.")
    await expect(admin.locator("#note-1")).to_be_in_viewport()


async def test_the_social_worker_records_the_evaluation_and_sends_its_agreements(
    open_page: Opener, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await a_staff_member(uow, home, "sara", Role.SOCIAL_WORKER, display_name="Sara")
        await uow.commit()
    page = await open_page(PHONE)
    await log_in(page, "sara")
    await page.goto(f"/cases/{world.ana_case.id}/evaluation")
    await page.get_by_label("Avances, dificultades y acuerdos").fill("Va bien en la escuela.")
    await page.get_by_label("Acuerdos que").fill("Vas al taller los martes.")
    await page.get_by_label("Enviárselos ya").check()
    await page.get_by_role("button", name="Registrar").click()
    notices = page.locator(".notices")
    await expect(notices).to_contain_text("Evaluación registrada.")
    await expect(notices).not_to_contain_text("no le toca a tu papel")
    await expect(notices).to_be_in_viewport()
    await both(page, "26-social-worker-records-the-evaluation")
