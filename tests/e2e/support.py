"""Helpers for the transport and end-to-end tests: a team to talk to, the outbox
drained through a real channel client, and small reads of what was stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from bot.outbox import ChannelClient, OutboxSender, RateLimits
from bot.telegram import TelegramPoller, build_bot
from bot.telegram.polling import Backoff, Sleep
from plan_store.enums import (
    AppointmentAnswer,
    Channel,
    ConsentDecision,
    FlagCategory,
    RequestReason,
    Role,
    Severity,
    Urgency,
)
from plan_store.models import (
    Adolescent,
    AppointmentConfirmation,
    ChatLink,
    Consent,
    Flag,
    Message,
    OperatorRequest,
    OutboxMessage,
    ProcessedUpdate,
    Step,
)
from plan_store.services import linking
from plan_store.services.access import StaffActor
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWorkFactory
from rumbo.container import Container
from rumbo.parts import telegram_config
from rumbo.settings import Settings
from tests.builders import a_case, a_goal, a_home, a_staff_member, an_appointment
from tests.configured import configured
from tests.fakes import ChatMessage, FakeTelegram

TOKEN = "123456:TEST-TOKEN"


# A sticker, as Telegram sends it in a message: what the conversation cannot read.
STICKER = {
    "file_id": "s1",
    "file_unique_id": "s1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


def telegram_settings(settings: Settings, tg: FakeTelegram, **telegram: Any) -> Settings:
    """``settings`` pointed at the fake Bot API (and ``telegram``'s other values)."""
    return configured(
        settings, telegram={"token": SecretStr(tg.token), "api_url": tg.api_url, **telegram}
    )


@contextlib.asynccontextmanager
async def running_poller(
    settings: Settings,
    container: Container,
    *,
    poll_seconds: float = 5,
    longest_backoff: float = 0.1,
    sleep: Sleep = asyncio.sleep,
) -> AsyncIterator[TelegramPoller]:
    """Rumbo's polling loop as ``rumbo serve`` runs it, as a task; cancelled on exit.
    ``sleep`` is how it waits before trying again."""
    poller = TelegramPoller(
        build_bot(telegram_config(settings)),
        container.uow,
        poll_seconds=poll_seconds,
        backoff=lambda: Backoff(first=0.01, most=longest_backoff),
        sleep=sleep,
    )
    task = asyncio.create_task(poller.run())
    try:
        yield poller
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass(frozen=True, slots=True)
class CaseToLink:
    """A case ready to be linked: its id and a fresh one-time code."""

    case_id: int
    code: str
    operator: StaffActor


async def a_case_with_code(
    uow_factory: UnitOfWorkFactory, *, alias: str = "Lu", appointment: bool = True
) -> CaseToLink:
    """A home, an operator, a case with a goal (and an appointment), and a linking code,
    all through the services."""
    async with uow_factory() as uow:
        home = await a_home(uow)
        operator = await a_staff_member(uow, home, "laura", Role.OPERATOR)
        case = await a_case(uow, home, operator, alias=alias)
        await a_goal(uow, operator, case)
        if appointment:
            await an_appointment(
                uow, operator, case, title="Inscripción al taller de carpintería", place="CECATI 42"
            )
        code = await linking.issue_code(uow, operator, case.id)
        await uow.commit()
        return CaseToLink(case.id, code, operator)


async def drain(uow_factory: UnitOfWorkFactory, client: ChannelClient, *, rounds: int = 100) -> int:
    """Deliver everything due through the real ``OutboxSender`` (unpaced), round after
    round (one row per chat per round keeps a chat's order); returns the rows sent."""
    sender = OutboxSender(uow_factory, {client.channel: client}, RateLimits.unlimited())
    total = 0
    for _ in range(rounds):
        claimed = await sender.run_once()
        if not claimed:
            return total
        total += claimed
    raise AssertionError(f"the outbox did not drain in {rounds} rounds")


async def eventually(check: Callable[[], Any], within: float = 5.0) -> None:
    """Wait until ``check()`` (sync or async) is true; fail after ``within`` seconds."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.01)


async def processed_count(uow_factory: UnitOfWorkFactory, channel: Channel) -> int:
    async with uow_factory() as uow:
        count = await uow.session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.channel == channel)
        )
        return int(count or 0)


async def outbox_rows(uow_factory: UnitOfWorkFactory, channel: Channel) -> list[dict[str, Any]]:
    """Every outbox row of ``channel``, oldest first, with its payload decrypted."""
    async with uow_factory() as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
        )
        return [
            {"id": r.id, "chat": r.external_chat_id, "kind": r.kind, "status": r.status}
            | payload_of(uow, r)
            for r in rows
        ]


async def case_of(uow_factory: UnitOfWorkFactory, case_id: int) -> Adolescent:
    async with uow_factory() as uow:
        case = await uow.session.get(Adolescent, case_id)
        assert case is not None
        return case


async def assert_the_journey_was_stored(
    uow_factory: UnitOfWorkFactory, case_id: int, channel: Channel, external_id: str
) -> None:
    """What an adolescent does in a first conversation (the journey tests), read back:
    the chat linked, consent given, the first step done, "I'll go" to the appointment,
    a talk with the operator that can wait, and the risk phrase flagged and encrypted."""
    async with uow_factory() as uow:
        link = await uow.session.scalar(select(ChatLink).where(ChatLink.active))
        assert link is not None
        assert (link.adolescent_id, link.channel, link.external_id) == (
            case_id,
            channel,
            external_id,
        )
        (agreed,) = await uow.session.scalars(select(Consent))
        assert (agreed.decision, agreed.channel) == (ConsentDecision.GIVEN, channel)
        done = await uow.session.scalar(select(Step).where(Step.done_at.is_not(None)))
        assert done is not None and done.title == "Inscribirme en el INEA"
        (answer,) = await uow.session.scalars(select(AppointmentConfirmation))
        assert (answer.answer, answer.channel) == (AppointmentAnswer.WILL_GO, channel)
        (request,) = await uow.session.scalars(select(OperatorRequest))
        assert (request.reason, request.urgency) == (RequestReason.TALK, Urgency.NORMAL)
        (flag,) = await uow.session.scalars(select(Flag))
        assert (flag.category, flag.severity) == (FlagCategory.SELF_HARM, Severity.URGENT)
        assert flag.adolescent_id == case_id
        message = await uow.session.get(Message, flag.message_id)
        assert message is not None
        assert uow.cipher.decrypt(message.body_ciphertext) == "ya no aguanto, me quiero morir"


class Phone:
    """The adolescent's Telegram app, played against the fake Bot API.

    Each action queues an update at the fake, waits until the running poller has
    stored it, lets the outbox deliver the replies, and returns the bot's new messages.
    """

    def __init__(
        self,
        tg: FakeTelegram,
        chat_id: int,
        uow_factory: UnitOfWorkFactory,
        client: ChannelClient,
        poller: TelegramPoller,
    ) -> None:
        self.tg = tg
        self.chat_id = chat_id
        self.uow_factory = uow_factory
        self.client = client
        self.poller = poller

    async def send(self, text: str) -> list[ChatMessage]:
        return await self._act(self.tg.user_sends_text(self.chat_id, text))

    async def voice(self, ogg_bytes: bytes, duration: int = 3) -> list[ChatMessage]:
        """Record and send a voice note."""
        return await self._act(self.tg.user_sends_voice(self.chat_id, ogg_bytes, duration))

    async def tap(self, label: str) -> list[ChatMessage]:
        """Tap the newest button whose label is ``label`` (or starts with it)."""
        message_id, data = self.button(label)
        return await self._act(self.tg.user_taps(self.chat_id, data, message_id))

    def button(self, label: str) -> tuple[int, str]:
        shown = list(reversed(self.tg.messages_for(self.chat_id)))
        for exact in (True, False):
            for message in shown:
                for row in message.buttons:
                    for text, data in row:
                        if data and (text == label if exact else text.startswith(label)):
                            return message.message_id, data
        on_screen = [text for m in shown for row in m.buttons for text, _ in row]
        raise AssertionError(f"no button {label!r} on screen; showing {on_screen}")

    async def _act(self, update_id: int) -> list[ChatMessage]:
        before = {m.message_id for m in self.tg.messages_for(self.chat_id)}
        await eventually(lambda: (self.poller.offset or 0) > update_id)
        await drain(self.uow_factory, self.client)
        return [m for m in self.tg.messages_for(self.chat_id) if m.message_id not in before]

    def screen(self) -> ChatMessage:
        """The newest message from the bot."""
        return self.tg.messages_for(self.chat_id)[-1]
