"""Follow-up check-ins after care: the scheduler sends the first question; the
conversation takes the answers and tells staff what needs them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from dialogs import follow_up
from plan_store.enums import FlagCategory, Severity
from plan_store.models import Flag, FollowUpCheckin
from plan_store.services import cases
from plan_store.services import follow_up as follow_up_service
from rumbo.container import Container
from tests.dialogs.builders import World
from tests.dialogs.chat import Chat


async def a_checkin(container: Container, world: World, case_id: int) -> int:
    async with container.uow() as uow:
        actor = world.laura if case_id == world.luna else world.beto
        await cases.move_to_follow_up(uow, actor, case_id, follow_up_until=date(2026, 9, 1))
        checkin = await follow_up_service.checkin_due(uow, case_id, date(2026, 3, 2))
        await uow.commit()
        return checkin.id


async def test_a_check_in_is_answered_question_by_question(
    container: Container, world: World, chat: Chat
) -> None:
    checkin = await a_checkin(container, world, world.luna)
    await chat.press(follow_up.open_action(checkin))
    assert chat.sees("🏠 ¿Cómo estás en el lugar donde vives?")
    await chat.tap("👍 Bien")
    assert chat.sees("📚 ¿Cómo vas con la escuela o el trabajo?")
    await chat.tap("😐 Más o menos")
    await chat.tap("👎 Mal")  # health
    assert chat.sees("Se lo paso a tu equipo.", "🙋 ¿Quieres que alguien de tu equipo te busque?")
    await chat.tap("✔️ Sí, por favor")
    assert chat.sees("Le aviso a tu equipo para que te busque pronto.", "¡Gracias por contarme!")
    await chat.press(follow_up.answer_action(checkin, "health", "bad"))  # tapped again
    async with container.uow() as uow:
        stored = await uow.session.get(FollowUpCheckin, checkin)
        assert stored is not None
        assert stored.answers == {
            "housing": "good",
            "school_work": "so_so",
            "health": "bad",
            "wants_contact": "yes",
        }
        flags = list(await uow.session.scalars(select(Flag).order_by(Flag.id)))
        assert [(f.category, f.severity, f.detail) for f in flags] == [
            (FlagCategory.FOLLOW_UP_ANSWER, Severity.MEDIUM, "health:bad"),
            (FlagCategory.FOLLOW_UP_ANSWER, Severity.MEDIUM, "wants_contact:yes"),
        ]


async def test_another_cases_check_in_is_a_stale_button(
    container: Container, world: World, chat: Chat
) -> None:
    other = await a_checkin(container, world, world.zafiro)
    for action in (
        follow_up.open_action(other),
        follow_up.answer_action(other, "health", "bad"),
        "fu:abc",
        "fu:1:health:terrible",
        "fu:99999999999",
    ):
        await chat.press(action)
        assert chat.sees("Ese botón ya no sirve. Te muestro el menú.")
    async with container.uow() as uow:
        stored = await uow.session.get(FollowUpCheckin, other)
        assert stored is not None and stored.answers == {}
        assert list(await uow.session.scalars(select(Flag))) == []
