"""A staff member's own chat with the bot: where her alerts arrive, never the
adolescents' dialogs.

``bot.inbound.receive`` hands an update here, instead of to the dialogs, when its chat
is a staff chat or when it carries a staff linking code (``/start staff-CODE``, from
her console account page). Here she can link the chat, tap "Lo veo" under an alert
(acknowledging it, which tells the adolescent), and nothing else: anything else gets
a short pointer to the console. Staff read these in their console language.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.alerts.texts import ACK
from dialogs.events import Event, EventKind
from dialogs.screens import Reply, Screen
from locales import translator
from plan_store.enums import Channel
from plan_store.errors import CodeInvalid, NotFound
from plan_store.models import Staff
from plan_store.services import alerts, staff_chats
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork


def _code(event: Event) -> str | None:
    if event.kind is EventKind.START:
        return staff_chats.code_in(f"/start {event.data}")
    if event.kind is EventKind.TEXT:
        return staff_chats.code_in(event.data)
    return None


def carries_code(channel: Channel, event: Event) -> bool:
    """Whether the update would make its chat a staff chat: staff link their Telegram,
    the channel alerts go out on."""
    return channel is Channel.TELEGRAM and _code(event) is not None


async def staff_of(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> bool:
    """Whether this update belongs to a staff chat (or would make one)."""
    if carries_code(channel, event):
        return True
    return await staff_chats.staff_of_chat(uow, channel, chat_id) is not None


class StaffChats:
    """``staff_of`` for a burst's updates, with one query for all of their chats.

    A chat that one of the burst's updates would link (a staff code) is asked again,
    as ``staff_of`` asks, at each of its later updates: the code may or may not work."""

    def __init__(self, staff: set[tuple[Channel, str]]) -> None:
        self._staff = staff
        self._linking: set[tuple[Channel, str]] = set()

    @classmethod
    async def among(cls, uow: UnitOfWork, chats: Iterable[tuple[Channel, str]]) -> StaffChats:
        by_channel: dict[Channel, list[str]] = {}
        for channel, chat_id in chats:
            by_channel.setdefault(channel, []).append(chat_id)
        staff = {
            (channel, chat_id)
            for channel, chat_ids in by_channel.items()
            for chat_id in await staff_chats.staff_chats_among(uow, channel, chat_ids)
        }
        return cls(staff)

    async def staff_of(self, uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> bool:
        chat = (channel, chat_id)
        if carries_code(channel, event):
            self._linking.add(chat)
            return True
        if chat in self._linking:
            return await staff_of(uow, channel, chat_id, event)
        return chat in self._staff


async def handle(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
    code = _code(event) if channel is Channel.TELEGRAM else None
    if code is not None:
        return await _link(uow, channel, chat_id, code)
    staff = await staff_chats.staff_of_chat(uow, channel, chat_id)
    assert staff is not None
    t = translator(staff.language)
    if event.kind is EventKind.CHOICE and event.data.startswith(ACK):
        return await _acknowledge(uow, staff, event.data.removeprefix(ACK))
    # Translators: the answer in a staff member's own chat with the bot to anything but "Lo veo".
    text = t.gettext(
        "Este chat recibe las alertas de Rumbo. Para responder a un caso, abre la consola."
    )
    return Reply(screens=[Screen(text)])


async def _link(uow: UnitOfWork, channel: Channel, chat_id: str, code: str) -> Reply:
    try:
        staff = await staff_chats.redeem(uow, channel, chat_id, code)
    except CodeInvalid:
        t = translator("es")
        # Translators: a staff member sent the bot a linking code that does not work.
        text = t.gettext(
            "Ese código no sirve o ya venció. Pide uno nuevo en tu cuenta de la consola."
        )
        return Reply(screens=[Screen(text)])
    t = translator(staff.language)
    # Translators: a staff member linked her own chat with the bot; {name} is her name.
    text = t.gettext("Listo, {name}: aquí te llegarán las alertas cuando estés de turno.").format(
        name=staff.display_name
    )
    return Reply(screens=[Screen(text)])


async def _acknowledge(uow: UnitOfWork, staff: Staff, raw_id: str) -> Reply:
    t = translator(staff.language)
    if not raw_id.isdigit() or len(raw_id) > 10:
        return Reply(screens=[])
    try:
        alert = await alerts.acknowledge(
            uow, StaffActor.of(staff), int(raw_id), via=Channel.TELEGRAM.value
        )
    except NotFound:
        # Translators: a staff member tapped "Lo veo" on an alert she may no longer act on.
        return Reply(screens=[Screen(t.gettext("Esta alerta ya no está a tu cargo."))])
    if alert.acknowledged_by_id != staff.id:
        seen_by = await uow.session.get(Staff, alert.acknowledged_by_id)
        # Translators: "Lo veo" tapped on an alert someone else saw first; {name} is who.
        text = t.gettext("{name} ya la había visto.").format(
            name=seen_by.display_name if seen_by else "—"
        )
        return Reply(screens=[Screen(text)])
    # Translators: after a staff member tapped "Lo veo" under an alert.
    text = t.gettext("Gracias. Le avisamos que ya lo viste. Ábrela en la consola para seguir.")
    return Reply(screens=[Screen(text)])
