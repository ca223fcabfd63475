"""The WhatsApp Cloud API webhook, served by Rumbo's own web app.

``GET /whatsapp/webhook``: Meta's verification handshake. ``hub.mode=subscribe`` with
``hub.verify_token`` equal to ``RUMBO_WHATSAPP_VERIFY_TOKEN`` (compared in constant
time) answers ``hub.challenge``; anything else 403.

``POST /whatsapp/webhook``: ``X-Hub-Signature-256`` must be ``sha256=`` and the
HMAC-SHA256 of the **raw** body under the app secret, compared in constant time;
the body is never re-serialised before the check (that would change the bytes of any
emoji or accent). A wrong or missing signature answers 403 and nothing is stored.

Then each message is applied as ``bot.inbound.receive`` applies an update (stored
and de-duplicated by its wamid, the dialogs run, replies go to the outbox, one
transaction; messages of posts in flight at once share transactions,
``SharedCommits``), and only after every commit does the route answer 200. Meta
delivers at least once and retries for days: a failure before the commit answers 500
and the retried delivery is applied once. In the same transaction as each message:
the chat's ``last_inbound_at`` moves forward (the 24-hour window), messages parked
outside the window are woken, and a typed number answering a numbered menu becomes
that option.

What a person sends becomes an ``Event``:

- text                                   -> ``Event.text`` (a number answering the
  last numbered menu sent to the chat -> ``Event.choice`` of that option)
- a reply button or list row              -> ``Event.choice(id)``
- a template's quick-reply button         -> ``Event.choice(payload)`` (the
  ``mensaje_pendiente`` button delivers the parked messages instead)
- a voice note (audio)                    -> downloaded (``GET /{media-id}``, then
  its URL) -> ``Event.voice_note``
- a photo, video, file or sticker         -> its caption as text, then a short note
  that media cannot be seen; other content (location, contacts) -> only that note
- reactions and system messages           -> ignored

Status callbacks (sent, delivered, read, failed) update ``delivery_status`` of the
outbox rows with that wamid, never backwards (read stays read when a late
"delivered" comes), each applied once. "failed" records the error and raises a
``DELIVERY_FAILED`` flag on the case. A status for a wamid not known yet (the
callback can overtake the sender's own record of the send) answers 500 for a few
minutes, so that Meta tries again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy import select
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.inbound import Handler, Inbound, SharedCommits
from bot.whatsapp.graph import GraphApi, GraphError, MediaTooLarge
from bot.whatsapp.payloads import (
    MAX_UPDATE_ID,
    MEDIA_TYPES,
    OTHER_CONTENT,
    InboundMessage,
    StatusUpdate,
    parse,
    stored_id,
)
from bot.whatsapp.render import numbered_menu
from bot.whatsapp.templates import PENDING_ACTION
from dialogs import notices
from dialogs.events import Event, EventKind
from dialogs.notices import Notice
from dialogs.screens import Reply
from plan_store.enums import Channel, OutboxKind, OutboxStatus
from plan_store.models import OutboxMessage, ProcessedUpdate
from plan_store.outbox import parking, receipts
from plan_store.services import chats, updates
from plan_store.services.outbox import payload_of
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory
from web.bodies import BodyTooLarge, read_body

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 1024 * 1024
MAX_VOICE_BYTES = 8 * 1024 * 1024
"""A larger voice note is not downloaded (at ~16 kbit/s this is over an hour)."""
STATUS_GRACE = timedelta(minutes=15)
"""How long a status for an unknown wamid is asked again rather than dropped."""
_NUMBER = re.compile(r"\s*#?\s*(\d{1,3})\s*[.)]?\s*")

GraphFactory = Callable[[], GraphApi]
DialogsHandler = Callable[[UnitOfWork, Channel, str, Event], Awaitable[Reply]]


class RetryWebhook(Exception):
    """Something must be tried again later: the webhook answers 500."""


@dataclass(slots=True)
class _Applied:
    """Set by the handler once the message's own transaction did its work."""

    done: bool = False


def signature_valid(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """``header`` is ``sha256=`` + the hex HMAC-SHA256 of the exact ``body`` bytes."""
    if not header or not app_secret:
        return False
    expected = b"sha256=" + hmac.new(app_secret, body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, header.strip().encode("latin-1", "replace"))


class WhatsAppWebhook:
    """The webhook routes for one business phone number."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        app_secret: str,
        verify_token: str | None,
        phone_number_id: str,
        graph: GraphFactory,
        dialogs: DialogsHandler | None = None,
        path: str = WEBHOOK_PATH,
    ) -> None:
        self.uow_factory = uow_factory
        self.phone_number_id = phone_number_id
        self.path = path
        self._app_secret = app_secret.encode("utf-8")
        self._verify_token = verify_token.encode("utf-8") if verify_token else None
        self._graph = graph
        self._dialogs = dialogs
        self._together = SharedCommits(uow_factory)

    @property
    def routes(self) -> list[BaseRoute]:
        return [
            Route(self.path, self.verify, methods=["GET"], name="whatsapp_verify"),
            Route(self.path, self.endpoint, methods=["POST"], name="whatsapp_webhook"),
        ]

    # ----------------------------------------------------------------- GET

    async def verify(self, request: Request) -> Response:
        query = request.query_params
        token = query.get("hub.verify_token", "").encode("utf-8")
        challenge = query.get("hub.challenge", "")
        if (
            self._verify_token is None
            or query.get("hub.mode") != "subscribe"
            or not hmac.compare_digest(token, self._verify_token)
            or not challenge
            or len(challenge) > 256
        ):
            return Response(status_code=403)
        return PlainTextResponse(challenge)

    # ----------------------------------------------------------------- POST

    async def endpoint(self, request: Request) -> Response:
        try:
            body = await read_body(
                request.stream(), request.headers.get("content-length"), MAX_BODY_BYTES
            )
        except BodyTooLarge:
            return Response(status_code=413)
        except ClientDisconnect:
            return Response(status_code=400)
        if not signature_valid(self._app_secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("a WhatsApp webhook call with a wrong or missing signature was refused")
            return Response(status_code=403)
        try:
            data = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        batch = parse(data, self.phone_number_id)
        for error in batch.errors:
            log.warning("WhatsApp reported an error: %s", error)
        try:
            for message in batch.messages:
                await self.apply_message(message)
            retry = False
            for status in batch.statuses:
                retry = not await self.apply_status(status) or retry
        except RetryWebhook as reason:
            log.warning("a WhatsApp webhook call will be retried: %s", reason)
            return Response(status_code=500)
        except Exception:
            log.exception("a WhatsApp webhook call failed before its commit; Meta will retry")
            return Response(status_code=500)
        if retry:
            return Response(status_code=500)
        return PlainTextResponse("ok")

    # ----------------------------------------------------------------- messages

    async def apply_message(self, message: InboundMessage) -> None:
        """Store and apply one message, at most once (by its wamid)."""
        if message.kind in ("reaction", "system") or message.kind not in _KNOWN:
            return
        if await self._seen(update_id(message)):
            return  # a redelivery: skip the media download too
        event, inner = await self._event(message)
        applied = _Applied()
        inbound = Inbound(Channel.WHATSAPP, update_id(message), message.wa_id, event)
        reply = await self._together.receive(inbound, self._handler(message, inner, applied))
        if reply is not None and not applied.done:
            # The dialogs failed and ``receive`` sent its apology in a transaction of
            # its own: the person still wrote, so the window opens all the same.
            async with self.uow_factory() as uow:
                await chats.note_inbound(uow, Channel.WHATSAPP, message.wa_id, message.sent_at)
                await parking.wake_parked(uow, message.wa_id)
                await uow.commit()

    async def _seen(self, wamid: str) -> bool:
        async with self.uow_factory() as uow:
            found = await uow.session.scalar(
                select(ProcessedUpdate.update_id).where(
                    ProcessedUpdate.channel == Channel.WHATSAPP,
                    ProcessedUpdate.update_id == wamid,
                )
            )
            return found is not None

    async def _event(self, message: InboundMessage) -> tuple[Event, Handler | None]:
        """The event, and a handler other than the dialogs when a note must answer."""
        if message.kind in ("text",):
            return Event.text(message.text), None
        if message.kind in ("interactive", "button") and message.choice is not None:
            return Event.choice(message.choice), None
        if message.kind == "request_welcome":
            return Event.start(), None
        if message.kind == "audio" and message.media_id is not None:
            try:
                audio = await self._download(message.media_id)
            except MediaTooLarge:
                return Event.text(""), notices.answer(Notice.VOICE_TOO_LONG)
            except GraphError as error:
                if error.status >= 500 or error.status == 429:
                    raise RetryWebhook(f"voice note not downloaded: {error}") from error
                log.warning("a voice note could not be fetched: %s", error)
                return Event.text(""), notices.answer(Notice.VOICE_UNREADABLE)
            except httpx.HTTPError as error:
                raise RetryWebhook(f"voice note not downloaded: {error!r}") from error
            return Event.voice_note(audio), None
        if message.kind in MEDIA_TYPES and message.text:
            return Event.text(message.text), notices.after(Notice.CAPTION_ONLY, self._dialogs)
        return Event.text(""), notices.answer(Notice.UNSUPPORTED)

    async def _download(self, media_id: str) -> bytes:
        async with self._graph() as graph:
            return await graph.download(media_id, limit=MAX_VOICE_BYTES)

    def _handler(
        self, message: InboundMessage, inner: Handler | None, applied: _Applied
    ) -> Handler:
        dialogs = self._dialogs

        async def handle(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
            await chats.note_inbound(uow, channel, chat_id, message.sent_at)
            woken = await parking.wake_parked(uow, chat_id)
            reply: Reply
            if inner is not None:
                reply = await inner(uow, channel, chat_id, event)
            elif event.kind is EventKind.CHOICE and event.data == PENDING_ACTION and woken:
                reply = Reply()  # the parked messages are the answer
            else:
                if event.kind is EventKind.CHOICE and event.data == PENDING_ACTION:
                    from dialogs import actions

                    event = Event.choice(actions.MENU)
                elif event.kind is EventKind.TEXT:
                    event = await numbered_choice(uow, chat_id, event)
                reply = await _run_dialogs(dialogs, uow, channel, chat_id, event)
            applied.done = True
            return reply

        return handle

    # ----------------------------------------------------------------- statuses

    async def apply_status(self, status: StatusUpdate) -> bool:
        """Record one status callback; False when it should come again later."""
        async with self.uow_factory() as uow:
            rows = await receipts.sent_as(uow, Channel.WHATSAPP, stored_id(status.wamid))
            if not rows and status.at is not None and uow.now() - status.at < STATUS_GRACE:
                return False  # the sender may not have recorded this wamid yet
            key = f"status:{status.status}:{stored_id(status.wamid)}"
            if not await updates.first_seen(uow, Channel.WHATSAPP, key):
                return True
            await receipts.record(
                uow, rows, status.status, message_id=status.wamid, error=status.error_text
            )
            if not rows:
                log.info("a WhatsApp status for an unknown message was dropped")
            await uow.commit()
            return True


_KNOWN = frozenset({"text", "interactive", "button", "audio", "request_welcome"}) | (
    MEDIA_TYPES | OTHER_CONTENT
)


def update_id(message: InboundMessage) -> str:
    """The message's key in ``processed_updates``: its wamid (a digest if too long)."""
    return stored_id(message.wamid, MAX_UPDATE_ID)


async def numbered_choice(uow: UnitOfWork, chat_id: str, event: Event) -> Event:
    """A typed number answering the last numbered menu sent to the chat, as that option.

    The menu is not stored apart: the layout is a function of the screen, so the last
    screen sent to the chat (its outbox row) says which action each number means."""
    match = _NUMBER.fullmatch(event.data)
    if match is None:
        return event
    last = await uow.session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == Channel.WHATSAPP,
            OutboxMessage.external_chat_id == chat_id,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.kind.in_([OutboxKind.SCREEN, OutboxKind.VOICE, OutboxKind.TEMPLATE]),
        )
        .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )
    if last is None:
        return event
    menu = numbered_menu(payload_of(uow, last))
    number = int(match.group(1))
    if menu and 1 <= number <= len(menu):
        return Event.choice(menu[number - 1])
    return event


async def _run_dialogs(
    dialogs: DialogsHandler | None, uow: UnitOfWork, channel: Channel, chat_id: str, event: Event
) -> Reply:
    if dialogs is None:
        from dialogs import conversation

        return await conversation.handle(uow, channel, chat_id, event)
    return await dialogs(uow, channel, chat_id, event)
