"""Family and papers on the case page in a real browser: the social worker records a
contact the authority allowed and a call, the lawyer the procedure, the operator
reads both on her phone. Photographed at laptop and phone size into
test-artifacts/console/ (``team-2x-*``), and checked not to overflow on a phone."""

from __future__ import annotations

from playwright.async_api import expect

from plan_store.enums import Role
from plan_store.models import Home
from rumbo.container import Container
from tests.builders import a_staff_member
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


async def test_the_team_records_family_and_papers_and_the_operator_reads_them_on_her_phone(
    open_page: Opener, world: World, container: Container
) -> None:
    async with container.uow() as uow:
        home = await uow.session.get_one(Home, world.home)
        await a_staff_member(uow, home, "sara", Role.SOCIAL_WORKER, display_name="Sara")
        await a_staff_member(uow, home, "mara", Role.LAWYER, display_name="Mara")
        await uow.commit()
    case = f"/cases/{world.ana_case.id}"

    sara = await open_page()
    await log_in(sara, "sara")
    await sara.goto(case)
    family = sara.locator("#family")
    await family.get_by_text("Agregar un contacto permitido").click()
    await family.get_by_label("Nombre").fill("Rosa")
    await family.get_by_label("Parentesco").fill("mamá")
    await family.get_by_label("Cómo").select_option("call")
    await family.get_by_label("Lo permitió").fill("Procuraduría de Protección")
    await family.get_by_label("Desde").fill("2026-02-10")
    await family.get_by_role("button", name="Agregar el contacto").click()
    notice = sara.locator(".notice.done")
    await expect(notice).to_have_text(
        "Contacto permitido agregado. Lo ve en su chat, en «Mi familia»."
    )
    contact = sara.locator("#family .contacts .item").first
    await contact.get_by_text("Registrar una llamada o visita").click()
    await contact.get_by_label("Cuándo").fill("2026-03-01")
    await contact.get_by_label("Nota corta para el equipo").fill("Le contó de la escuela.")
    await contact.get_by_role("button", name="Registrar").click()
    await expect(notice).to_have_text("Llamada o visita registrada. La nota no llega a su chat.")
    await expect(notice).to_be_in_viewport()  # at the form used, below the contents bar
    notice_box = await notice.bounding_box()
    bar = await sara.locator(".toc").bounding_box()
    assert notice_box is not None and bar is not None
    assert notice_box["y"] >= bar["y"] + bar["height"]
    await expect(sara.locator("#family")).to_contain_text("«Le contó de la escuela.»")
    await expect(sara.locator("#papers form")).to_have_count(0)  # the lawyer's to write
    await both(sara, "20-family-contact-recorded")

    mara = await open_page()
    await log_in(mara, "mara")
    await mara.goto(case)
    papers = mara.locator("#papers")
    await papers.get_by_label("Tipo de trámite").select_option("refugee")
    await papers.get_by_label("Etapa").select_option("filed")
    await papers.get_by_label("Próxima fecha").fill("2026-03-12")
    await papers.get_by_label("Qué pasa ese día, en palabras que entienda").fill(
        "Tu entrevista: lleva tu constancia"
    )
    await papers.get_by_role("button", name="Agregar el trámite").click()
    await expect(mara.locator(".notice.done")).to_contain_text("Trámite agregado.")
    await expect(mara.locator("#papers .procedures")).to_contain_text(
        "Reconocimiento de la condición de refugiado (COMAR)"
    )
    await expect(mara.locator("#papers .procedures")).to_contain_text("Lo lleva: Mara")
    await expect(mara.locator("#family form")).to_have_count(0)  # social work's to write
    await both(mara, "21-legal-procedure-added")

    ana = await open_page(PHONE)
    await log_in(ana, "ana")
    await ana.goto(case)
    await (
        ana.get_by_role("navigation", name="En esta página")
        .get_by_role("link", name="Trámite")
        .click()
    )
    await expect(ana.locator("#papers")).to_contain_text("Solicitud presentada")
    await expect(ana.locator("#papers")).to_contain_text("Tu entrevista: lleva tu constancia")
    await expect(ana.locator("#family")).to_contain_text("Rosa")
    await expect(ana.locator("#family form, #papers form")).to_have_count(0)  # she reads
    await both(ana, "22-family-and-papers-read-by-the-operator")
