"""Her own voice in the plan, as transcripts on Telegram and on WhatsApp.

Each flow runs through the real transports against the fake platforms on loopback:
she proposes a goal and a step and reads what staff decided; she answers before her
evaluation and reads its agreements; she asks for another operator and complains,
and only coordination gets it; she reads her rights, her home's rules and her
options. Staff act through the same services the console calls, and the scheduler's
sweeps bring their decisions to her chat.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import pytest
from sqlalchemy import select

from bot.scheduler import jobs
from bot.telegram import TelegramClient
from plan_store.enums import (
    AgreementAnswer,
    ConcernKind,
    ProposalStatus,
    RequestReason,
    Role,
)
from plan_store.models import (
    Adolescent,
    Concern,
    EvaluationAgreement,
    EvaluationVoice,
    Goal,
    Home,
    Message,
    OperatorRequest,
    Proposal,
    Step,
)
from plan_store.services import concerns, evaluation_voice, evaluations, house_rules, proposals
from plan_store.services import requests as request_service
from plan_store.services.access import StaffActor
from rumbo.container import Container
from rumbo.settings import Settings
from tests.builders import a_staff_member
from tests.e2e.support import CaseToLink, Phone, a_case_with_code, drain, running_poller
from tests.e2e.whatsapp_support import Bridge, WhatsAppPhone, whatsapp_bridge
from tests.fakes import FakeTelegram

CHAT = 880_017
CHANNELS = ["telegram", "whatsapp"]


class Talk(Protocol):
    """One adolescent's phone on either channel: what she does, what she reads."""

    async def send(self, text: str) -> list[str]: ...
    async def tap(self, label: str) -> list[str]: ...
    async def deliver(self) -> list[str]: ...
    def last(self) -> str: ...


@dataclass
class TelegramTalk:
    phone: Phone

    async def send(self, text: str) -> list[str]:
        return [m.text or "" for m in await self.phone.send(text)]

    async def tap(self, label: str) -> list[str]:
        return [m.text or "" for m in await self.phone.tap(label)]

    async def deliver(self) -> list[str]:
        before = {m.message_id for m in self.phone.tg.messages_for(self.phone.chat_id)}
        await drain(self.phone.uow_factory, self.phone.client)
        sent = self.phone.tg.messages_for(self.phone.chat_id)
        return [m.text or "" for m in sent if m.message_id not in before]

    def last(self) -> str:
        return self.phone.screen().text or ""


@dataclass
class WhatsAppTalk:
    phone: WhatsAppPhone
    bridge: Bridge

    async def send(self, text: str) -> list[str]:
        return [m.text for m in await self.phone.send(text)]

    async def tap(self, label: str) -> list[str]:
        return [m.text for m in await self.phone.tap(label)]

    async def deliver(self) -> list[str]:
        return [m.text for m in await self.bridge.deliver()]

    def last(self) -> str:
        return str(self.phone.screen().text)


@dataclass(frozen=True)
class Telegram:
    fake: FakeTelegram
    settings: Settings
    client: TelegramClient


@pytest.fixture
def telegram(tg: FakeTelegram, tg_settings: Settings, telegram_client: TelegramClient) -> Telegram:
    return Telegram(tg, tg_settings, telegram_client)


@dataclass(frozen=True)
class Scene:
    case: CaseToLink
    coordinator: StaffActor


async def a_scene(container: Container) -> Scene:
    """Lu, her operator Laura, and Marta who coordinates her home."""
    case = await a_case_with_code(container.uow, alias="Lu", appointment=False)
    async with container.uow() as uow:
        lu = await uow.session.get(Adolescent, case.case_id)
        assert lu is not None
        home = await uow.session.get(Home, lu.home_id)
        marta = await a_staff_member(
            uow, home, "marta", Role.COORDINATOR, display_name="Marta Ruiz"
        )
        await uow.commit()
    return Scene(case, marta)


@contextlib.asynccontextmanager
async def linked_phone(
    channel: str, container: Container, telegram: Telegram, code: str
) -> AsyncIterator[Talk]:
    """Her phone on ``channel``, linked with the code and consent given, at the menu."""
    if channel == "telegram":
        async with running_poller(telegram.settings, container) as poller:
            phone = Phone(telegram.fake, CHAT, container.uow, telegram.client, poller)
            talk = TelegramTalk(phone)
            await talk.send(f"/start {code}")
            await talk.tap("✅ Acepto")
            yield talk
    else:
        async with whatsapp_bridge(container) as bridge:
            phone = bridge.phone()
            talk_wa = WhatsAppTalk(phone, bridge)
            await talk_wa.send(code)
            await talk_wa.tap("✅ Acepto")
            yield talk_wa


async def sweep(container: Container) -> None:
    """One run of the scheduler's sweeps for her voice, committed."""
    async with container.uow() as uow:
        now = uow.now()
        await jobs.pre_evaluation_asks(uow, now)
        await jobs.participation_news(uow, now)
        await uow.commit()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_she_proposes_a_goal_and_a_step_and_reads_what_her_team_decided(
    channel: str, container: Container, telegram: Telegram
) -> None:
    scene = await a_scene(container)
    async with linked_phone(channel, container, telegram, scene.case.code) as phone:
        await phone.tap("🎯 Mis metas")
        await phone.tap("💡 Quiero proponer una meta")
        await phone.tap("🔑 Vivir por mi cuenta")
        await phone.tap("Para pronto")
        (ask,) = await phone.send("Aprender a cocinar")
        assert "¿Para cuándo?" in ask
        (told,) = await phone.tap("🗓️ Este mes")
        assert "Se lo paso a Laura" in told

        await phone.tap("🎯 Mis metas")
        await phone.tap("📚 Educación (1)")
        await phone.tap("Terminar la secundaria")
        await phone.tap("➕ Agregar un paso")
        await phone.send("Pedir mi certificado de primaria")
        (told,) = await phone.tap("📅 Esta semana")
        assert "Se lo paso a Laura" in told

        async with container.uow() as uow:
            goal_idea, step_idea = await proposals.of_case(uow, scene.case.case_id)
            assert proposals.text_of(uow, goal_idea) == "Aprender a cocinar"
            assert goal_idea.due_on == date(2026, 4, 1)  # thirty days on, in her home
            await proposals.accept(
                uow,
                scene.case.operator,
                scene.case.case_id,
                goal_idea.id,
                title="Aprender a cocinar tres platillos",
            )
            await proposals.decline(
                uow,
                scene.case.operator,
                scene.case.case_id,
                step_idea.id,
                "Ya lo pedimos la semana pasada, llega el lunes.",
            )
            await uow.commit()
        await sweep(container)
        accepted, declined = await phone.deliver()
        assert "¡Tu meta ya está en tu plan!" in accepted
        assert "Aprender a cocinar tres platillos" in accepted  # as it went into her plan
        assert "por ahora no la vamos a agregar" in declined
        assert "Ya lo pedimos la semana pasada, llega el lunes." in declined
        await sweep(container)
        assert await phone.deliver() == []  # told once

        await phone.tap("🎯 Ver mi meta")
        assert "🎯 Aprender a cocinar tres platillos" in phone.last()

    async with container.uow() as uow:
        goal = next(
            (
                g
                for g in await uow.session.scalars(select(Goal))
                if g.title == "Aprender a cocinar tres platillos"
            ),
            None,
        )  # titles are encrypted
        assert goal is not None and goal.target_date == date(2026, 4, 1)
        steps = list(await uow.session.scalars(select(Step.title)))
        assert "Pedir mi certificado de primaria" not in steps
        statuses = {p.status for p in await uow.session.scalars(select(Proposal))}
        assert statuses == {ProposalStatus.ACCEPTED, ProposalStatus.DECLINED}


@pytest.mark.parametrize("channel", CHANNELS)
async def test_three_days_before_her_evaluation_she_says_how_it_goes_and_then_reads_the_agreements(
    channel: str, container: Container, telegram: Telegram
) -> None:
    scene = await a_scene(container)
    today = date(2026, 3, 2)
    async with linked_phone(channel, container, telegram, scene.case.code) as phone:
        async with container.uow() as uow:  # the last evaluation set the next one
            await evaluations.record(
                uow,
                scene.coordinator,
                scene.case.case_id,
                summary="Empieza bien.",
                held_on=today,
                next_on=today + timedelta(days=3),
            )
            await uow.commit()
        await sweep(container)
        (asked,) = await phone.deliver()
        assert "El jueves 5 de marzo es la reunión para revisar tu plan" in asked
        assert "¿Cómo va tu plan?" in asked
        (hard,) = await phone.tap("😐 Más o menos")
        assert "¿Qué se te hizo difícil" in hard
        await phone.tap("📚 La escuela")
        await phone.tap("👪 Mi familia")
        (words,) = await phone.tap("🌟 Terminar la secundaria")
        assert "¿Quieres decir algo más" in words
        (thanks,) = await phone.send("Quiero saber cuándo veo a mi hermano")
        assert "Laura y tu equipo van a leer lo que dijiste" in thanks
        await sweep(container)
        assert await phone.deliver() == []  # asked once

        async with container.uow() as uow:
            voice = await uow.session.scalar(select(EvaluationVoice))
            assert voice is not None
            assert voice.answers == {
                "going": "so_so",
                "hard": "school",
                "talk": "family",
                "proud": str(await _goal_id(container, "Terminar la secundaria")),
            }
            assert evaluation_voice.note_of(uow, voice) == "Quiero saber cuándo veo a mi hermano"
            # Like everything she types, her words are on the timeline for her team too.
            said = [
                uow.cipher.decrypt(m.body_ciphertext)
                for m in await uow.session.scalars(select(Message))
            ]
            assert said == ["Quiero saber cuándo veo a mi hermano"]

            held = await evaluations.record(
                uow,
                scene.coordinator,
                scene.case.case_id,
                summary="Acordamos visita.",
                held_on=today,
                next_on=date(2026, 3, 19),
            )
            await evaluation_voice.set_agreements(
                uow,
                scene.coordinator,
                scene.case.case_id,
                held.id,
                ["Vas a ver a tu hermano el sábado.", "", "- Vas a ir a clases de INEA."],
                share=True,
            )
            await uow.commit()
        await sweep(container)
        (agreements,) = await phone.deliver()
        assert "Esto acordamos en la reunión de tu plan" in agreements
        assert "• Vas a ver a tu hermano el sábado." in agreements
        assert "• Vas a ir a clases de INEA." in agreements
        assert "La próxima reunión es el jueves 19 de marzo." in agreements
        (told,) = await phone.tap("💬 Quiero hablarlo")
        assert "Le aviso a Laura" in told

    async with container.uow() as uow:
        agreement = await uow.session.scalar(select(EvaluationAgreement))
        assert agreement is not None and agreement.answer is AgreementAnswer.TALK
        (talk,) = await request_service.open_for(uow, scene.case.case_id)
        assert request_service.message_of(uow, talk) == (
            "Quiere hablar de los acuerdos de su evaluación."
        )


async def _goal_id(container: Container, title: str) -> int:
    async with container.uow() as uow:
        goals = await uow.session.scalars(select(Goal))  # titles are encrypted: compared here
        return next(goal.id for goal in goals if goal.title == title)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_she_asks_for_another_operator_and_complains_and_only_coordination_gets_it(
    channel: str, container: Container, telegram: Telegram
) -> None:
    scene = await a_scene(container)
    async with linked_phone(channel, container, telegram, scene.case.code) as phone:
        await phone.tap("⚙️ Privacidad")
        (asked,) = await phone.tap("🔁 Quiero cambiar de operador(a)")
        assert "Esto lo lee solo Marta, de la coordinación de tu casa. Laura no lo ve." in asked
        assert "Te responden a más tardar el jueves 5 de marzo." in asked
        (sent,) = await phone.send("No me siento escuchada por ella")
        assert "Se lo mandé a Marta" in sent and "Laura no lo ve." in sent

        await phone.send("/ayuda")
        (asked,) = await phone.tap("📣 Quiero poner una queja")
        assert "Cuéntame qué pasó" in asked and "Laura no lo ve." in asked
        (sent,) = await phone.tap("📨 Enviar así")
        assert "Se lo mandé a Marta" in sent

    async with container.uow() as uow:
        change, complaint = await concerns.listing(uow, scene.coordinator)
        assert {change[0].kind, complaint[0].kind} == {
            ConcernKind.OPERATOR_CHANGE,
            ConcernKind.COMPLAINT,
        }
        said = [concerns.text_of(uow, c) for c, _ in (change, complaint)]
        assert "No me siento escuchada por ella" in said
        assert all(c.about_staff_id == scene.case.operator.id for c, _ in (change, complaint))
        # Nothing of it among what her operator reads: no message, request or flag
        # (what she typed besides, "/ayuda", is kept as everything she types is).
        typed = [
            uow.cipher.decrypt(m.body_ciphertext)
            for m in await uow.session.scalars(select(Message))
        ]
        assert typed == ["/ayuda"]
        assert list(await uow.session.scalars(select(OperatorRequest))) == []
        assert await concerns.listing(uow, scene.case.operator) == []
        assert len(list(await uow.session.scalars(select(Concern)))) == 2


@pytest.mark.parametrize("channel", CHANNELS)
async def test_she_reads_her_rights_her_homes_rules_and_her_options_and_asks_to_talk(
    channel: str, container: Container, telegram: Telegram
) -> None:
    scene = await a_scene(container)
    async with container.uow() as uow:
        lu = await uow.session.get(Adolescent, scene.case.case_id)
        assert lu is not None
        await house_rules.set_rules(
            uow,
            scene.coordinator,
            lu.home_id,
            "• Llegar antes de las 20:00.\n• Celular hasta las 22:00.",
        )
        await uow.commit()
    async with linked_phone(channel, container, telegram, scene.case.code) as phone:
        await phone.send("/ayuda")
        (screen,) = await phone.tap("📜 Tus derechos y reglas")
        assert "las reglas de tu casa, tus derechos y tus opciones" in screen
        (rules,) = await phone.tap("🏠 Reglas de tu casa")
        assert "Llegar antes de las 20:00." in rules and "Celular hasta las 22:00." in rules
        await phone.tap("⬅️ Volver")
        (rights,) = await phone.tap("🛡️ Tus derechos")
        assert "Quejarte sin que te castiguen por eso." in rights
        await phone.tap("⬅️ Volver")
        await phone.tap("🧭 Tus opciones")
        (going_back,) = await phone.tap("🧭 Regresar a tu país")
        assert "Solo si tú quieres" in going_back and "Nadie te puede obligar." in going_back
        (told,) = await phone.tap("🙋 Quiero hablar de esto")
        assert "Le aviso a Laura para que lo platiquen." in told

    async with container.uow() as uow:
        (talk,) = await request_service.open_for(uow, scene.case.case_id)
        assert talk.reason is RequestReason.OTHER
        assert request_service.message_of(uow, talk) == (
            "Quiere hablar de regresar a su país (retorno voluntario)."
        )
