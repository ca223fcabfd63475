"""Her voice in the plan, from the staff side, in a real browser (Debian's chromium
through Playwright): the operator accepts her proposal; coordination reads what she
said on the preparation sheet, records the evaluation and sends her the agreements,
then reads her complaint. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

from datetime import timedelta

import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import select

from plan_store.enums import Channel, ConcernKind, Horizon, Programme
from plan_store.models import Adolescent, EvaluationAgreement, Goal
from plan_store.services import concerns, evaluation_voice, proposals
from rumbo.container import Container
from tests.console.test_browser import (  # noqa: F401  (fixtures shared with the module)
    Opener,
    chromium,
    container,
    database_url,
    live_url,
    log_in,
    open_page,
    options,
    shot,
    world,
)
from tests.console.world import World

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

COMPLAINT = "En la noche no nos dejan llamar a la familia"


@pytest_asyncio.fixture(loop_scope="module")
async def her_voice(container: Container, world: World) -> None:  # noqa: F811
    """Colibrí proposed a goal, answered before her evaluation and complained."""
    async with container.uow() as uow:
        case = await uow.session.get(Adolescent, world.ana_case.id)
        assert case is not None
        await proposals.propose_goal(
            uow,
            case.id,
            programme=Programme.INDEPENDENT_LIVING,
            horizon=Horizon.SHORT,
            text="Aprender a cocinar",
            channel=Channel.TELEGRAM,
        )
        case.next_evaluation_on = uow.now().date() + timedelta(days=3)
        voice = await evaluation_voice.ask(uow, case.id, case.next_evaluation_on)
        await evaluation_voice.answer(uow, case.id, voice.id, "going", "so_so")
        await evaluation_voice.answer(uow, case.id, voice.id, "hard", "school")
        await evaluation_voice.answer(uow, case.id, voice.id, "proud", str(world.ana_case.goal))
        await evaluation_voice.add_words(
            uow, case.id, voice.id, text="Quiero hablar de ver a mi hermano"
        )
        await concerns.create(
            uow, case.id, ConcernKind.COMPLAINT, text=COMPLAINT, channel=Channel.TELEGRAM
        )
        await uow.commit()


async def test_staff_accept_her_proposal_read_her_words_send_agreements_and_read_her_complaint(
    open_page: Opener,  # noqa: F811
    world: World,  # noqa: F811
    container: Container,  # noqa: F811
    her_voice: None,
) -> None:
    page = await open_page()
    await log_in(page, "ana")
    proposals_panel = page.locator("section.panel", has_text="Propuestas para su plan")
    await expect(proposals_panel).to_contain_text("Meta nueva")
    assert COMPLAINT not in await page.content()
    await expect(page.get_by_role("link", name="Quejas")).to_have_count(0)
    await shot(page, "her-voice-01-operator-dashboard")
    await proposals_panel.get_by_role("link", name="Colibrí").click()
    card = page.locator("#proposals")
    await expect(card).to_contain_text("«Aprender a cocinar»")
    await card.get_by_text("Aceptar", exact=True).click()
    await card.get_by_label("Como queda en el plan").fill("Aprender a cocinar tres platillos")
    await shot(page, "her-voice-02-accept-proposal")
    await card.get_by_role("button", name="Aceptar y agregar al plan").click()
    await expect(page.locator(".notice.done")).to_contain_text("Propuesta aceptada")
    await expect(page.locator("#plan")).to_contain_text("Aprender a cocinar tres platillos")
    await expect(page.locator("#proposals")).to_contain_text("No hay propuestas por decidir.")

    await page.context.clear_cookies()
    await log_in(page, "marta")
    await page.goto(f"/cases/{world.ana_case.id}/evaluation")
    said = page.locator("#her-voice")
    await expect(said.get_by_role("heading")).to_have_text("Lo que dice Colibrí")
    await expect(said).to_contain_text("Más o menos")
    await expect(said).to_contain_text("La escuela")
    await expect(said).to_contain_text("Terminar la secundaria abierta")
    await expect(said).to_contain_text("Quiero hablar de ver a mi hermano")
    await shot(page, "her-voice-03-sheet")
    await page.get_by_label("Avances, dificultades y acuerdos").fill("Va bien. Acordamos visita.")
    await page.get_by_label("Acuerdos que Colibrí va a leer").fill(
        "Vas a ver a tu hermano el sábado.\nVas a ir a clases de INEA los martes."
    )
    await page.get_by_label("Enviárselos ya").check()
    await page.get_by_role("button", name="Registrar").click()
    await expect(page.locator(".notice.done").first).to_have_text("Evaluación registrada.")
    await expect(page.locator(".notice.done").nth(1)).to_have_text("Acuerdos en camino a su chat.")
    agreements = page.locator("#agreements")
    await expect(agreements).to_contain_text("Vas a ver a tu hermano el sábado.")
    await expect(agreements).to_contain_text("En camino a su chat.")
    await shot(page, "her-voice-04-agreements-sent")

    await page.get_by_role("link", name="Quejas", exact=True).click()
    await page.get_by_role("link", name="Queja", exact=True).click()
    await expect(page.locator("blockquote.words")).to_have_text(COMPLAINT)
    await shot(page, "her-voice-05-complaint")
    await page.get_by_label("Qué se hizo").fill("Hablé con el equipo de noche.")
    await page.get_by_role("button", name="Marcar como atendida").click()
    await expect(page.locator(".notice.done")).to_have_text("Marcada como atendida.")

    async with container.uow() as uow:
        goal = next(
            (
                g
                for g in await uow.session.scalars(select(Goal))
                if g.title == "Aprender a cocinar tres platillos"
            ),
            None,
        )  # titles are encrypted
        assert goal is not None and goal.programme is Programme.INDEPENDENT_LIVING
        agreement = await uow.session.scalar(select(EvaluationAgreement))
        assert agreement is not None and agreement.shared_at is not None
        assert evaluation_voice.items_of(uow, agreement) == [
            "Vas a ver a tu hermano el sábado.",
            "Vas a ir a clases de INEA los martes.",
        ]
