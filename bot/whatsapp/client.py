"""``WhatsAppClient``: the outbox sender's ``ChannelClient`` for the WhatsApp Cloud API.

One outbox row becomes one message (``POST /{phone-number-id}/messages``): a screen
is rendered by ``render`` (text, reply buttons, a list or a numbered menu), a row
outside the 24-hour window goes as its template or is parked (see ``window``). The
returned id is the message's wamid, which status callbacks refer to (a digest of it in
the rare case it is longer than the 64 characters the outbox keeps: ``stored_id``). A text longer
than 4096 characters goes in pieces and the last piece's wamid is returned; a voice
prompt (``voice_key``, when a recording exists in the screen's language: staff's
upload, else the locale folder's file) follows the text as an audio message (the
recording uploaded as media once) and is not tracked.

Deletions (``OutboxKind.DELETE``, "clear the chat"): the Cloud API cannot delete a
message a business sent, so the row is done at once, without a call (``None``).

What the platform answers, for the sender:

- 429, or error codes 4, 80007, 130429 (throughput), 131056 (too many messages to
  one person), 131048 (spam rate limit)          -> ``RetryLater`` (with a pause)
- 5xx, time-outs, network errors, codes 1, 2, 131000, 131016, 133004
                                                 -> ``RetryLater``
- 401/403 and codes about our own configuration (expired token 190, permissions 10
  and 200-299, account locked or unregistered number)
                                                 -> ``RetryLater`` after a minute,
  logged as an error: the message is fine, the installation is not.
- 131047 (re-engagement: the window is closed)   -> the row takes the
  outside-the-window path (template, or parked behind the notice).
- 131026 (undeliverable) and every other refusal -> ``PermanentFailure``: the row
  fails and staff get a ``DELIVERY_FAILED`` flag. Not ``ChatGone``: WhatsApp never
  says a person blocked the business, and "undeliverable" also covers an outdated
  app or terms not yet accepted, which pass; unlinking the chat would make the
  adolescent come back for a new code in person.

``THROUGHPUT_PER_SECOND`` is the Cloud API's default limit per business number, for
the sender's ``RateLimits``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Self

import httpx

from bot.outbox.channel import DeliveryError, PermanentFailure, RetryLater
from bot.whatsapp import window
from bot.whatsapp.graph import GraphApi, GraphError
from bot.whatsapp.payloads import stored_id
from bot.whatsapp.render import render
from bot.whatsapp.templates import (
    PENDING_ACTION,
    PENDING_MESSAGE,
    TemplateBook,
    TemplateError,
    TemplateHint,
    default_book,
)
from dialogs.screens import Screen
from plan_store.enums import Channel, OutboxKind
from plan_store.outbox import parking
from plan_store.services import chats
from plan_store.services.voice_prompts import VoiceLookup
from plan_store.services.voice_prompts import lookup as stored_voice_prompts
from plan_store.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

THROUGHPUT_PER_SECOND = 80.0
"""Messages per second per business phone number (the Cloud API's default tier)."""
PAIR_INTERVAL = 1.0
"""Seconds between two messages to one person: WhatsApp's pair rate allows a short
burst, then about one message every six seconds (``131056`` beyond)."""

RATE_LIMITED = {4: 60.0, 80007: 60.0, 130429: 1.0, 131056: 6.0, 131048: 300.0}
"""Error code -> seconds to wait before trying again."""
TRANSIENT = frozenset({1, 2, 131000, 131016, 133004})
CONFIGURATION = frozenset({0, 3, 10, 190, 131005, 131031, 131042, 133010, 368})
REENGAGEMENT = 131047
CONFIG_RETRY_SECONDS = 60.0
VOICE_MEDIA_TTL = 25 * 24 * 3600.0  # uploaded media lives 30 days on WhatsApp's side


class WindowClosed(Exception):
    """WhatsApp refused free text: the 24-hour window is closed (131047)."""


class WhatsAppClient:
    """Delivers outbox rows to WhatsApp through one ``GraphApi``.

    ``uow`` reads the chat's 24-hour window and parks messages that must wait for
    it. Close the client (``aclose`` or ``async with``) to release its connections.
    """

    channel: Channel = Channel.WHATSAPP

    def __init__(
        self,
        graph: GraphApi,
        uow: UnitOfWorkFactory,
        *,
        templates: TemplateBook | None = None,
        voice_prompts: VoiceLookup | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.graph = graph
        self._uow = uow
        self._templates = templates or default_book()
        # By default staff's uploads, then the locale folders' files.
        self._voice_prompts = voice_prompts or stored_voice_prompts(uow)
        self._voice_media: dict[str, tuple[str, float]] = {}
        """Media id and upload time of each recording, by its SHA-256."""
        self._on_close = on_close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.graph.aclose()
        if self._on_close is not None:
            await self._on_close()

    # ----------------------------------------------------------------- delivery

    async def deliver(self, kind: OutboxKind, chat_id: str, payload: dict[str, Any]) -> str | None:
        """Send one outbox row; raises a ``DeliveryError`` when it was not delivered."""
        if kind is OutboxKind.DELETE:
            return None  # the Cloud API cannot delete a business's messages
        try:
            hint = TemplateHint.from_payload(payload)
        except TemplateError as error:
            raise PermanentFailure(str(error)) from error
        if kind is OutboxKind.TEMPLATE and hint is None:
            raise PermanentFailure("a template row without a template hint")
        try:
            return stored_id(await self._deliver(kind, chat_id, payload, hint))
        except (GraphError, httpx.HTTPError) as error:
            raise delivery_error(error) from error

    async def _deliver(
        self, kind: OutboxKind, chat_id: str, payload: dict[str, Any], hint: TemplateHint | None
    ) -> str:
        """The wamid of what was sent: the screen, its template, or the notice."""
        now, last = await self._window(chat_id)
        has_screen = bool(str(payload.get("text") or "").strip() or payload.get("buttons"))
        if window.window_open(last, now) and has_screen:
            try:
                return await self._send_screen(chat_id, payload)
            except WindowClosed:
                log.info("WhatsApp says the window of a chat is closed; using a template")
        if hint is not None:
            return await self._send_template(chat_id, hint, payload)
        if not has_screen:
            raise PermanentFailure("an empty screen")
        return await self._park(chat_id, payload, now, last)

    async def _window(self, chat_id: str) -> tuple[datetime, datetime | None]:
        async with self._uow() as uow:
            return uow.now(), await window.last_inbound(uow, chat_id)

    async def _send_screen(self, chat_id: str, payload: dict[str, Any]) -> str:
        try:
            screen = Screen.from_payload(payload)
        except (TypeError, ValueError) as error:
            raise PermanentFailure(f"not a screen: {error}") from error
        language = _language(payload)
        rendered = render(screen, language)
        voice = await self._voice_prompt(screen.voice_key, language)
        if not rendered.messages:
            if voice is None:
                raise PermanentFailure("an empty screen")
            return await self._send_voice(chat_id, voice)
        wamid = ""
        for message in rendered.messages:
            wamid = await self._send(chat_id, message)
        if voice is not None:
            try:
                await self._send_voice(chat_id, voice)
            except (GraphError, httpx.HTTPError) as error:
                # The words arrived; the recording is an extra. Sending the row again
                # would repeat the text, so a failed voice prompt is only logged.
                log.warning("voice prompt %s not sent: %s", screen.voice_key, error)
        return wamid

    async def _send(self, chat_id: str, message: dict[str, Any]) -> str:
        try:
            return await self.graph.send(chat_id, message)
        except GraphError as error:
            if error.code == REENGAGEMENT:
                raise WindowClosed(error.message) from error
            raise

    async def _send_template(
        self, chat_id: str, hint: TemplateHint, payload: dict[str, Any]
    ) -> str:
        fallback: list[str] = []
        try:
            fallback = [b.action for b in Screen.from_payload(payload).all_buttons]
            template = self._templates.message(hint, _language(payload), fallback)
        except (TemplateError, TypeError, ValueError) as error:
            raise PermanentFailure(f"template not sendable: {error}") from error
        return await self.graph.send(chat_id, {"type": "template", "template": template})

    async def _park(
        self, chat_id: str, payload: dict[str, Any], now: datetime, last: datetime | None
    ) -> str:
        """Outside the window: send the notice (once) and keep the message for later."""
        since = parking.parked_since(payload)
        if since is not None:  # a parked copy come due with the window still closed
            left = (since + parking.PARK_FOR - now).total_seconds()
            if left <= 0:
                raise PermanentFailure(
                    "not delivered: outside WhatsApp's 24-hour window, and the adolescent "
                    f"has not written in the {parking.PARK_FOR.days} days since the notice"
                )
            raise RetryLater("waiting for WhatsApp's 24-hour window to reopen", after=left)
        async with self._uow() as uow:
            notice = await parking.waiting_notice(uow, chat_id)
            link = await chats.active_link(uow, Channel.WHATSAPP, chat_id)
            adolescent_id = link.adolescent_id if link else None
        if notice is None:
            hint = TemplateHint(PENDING_MESSAGE, buttons=(PENDING_ACTION,))
            notice = await self._send_template(chat_id, hint, {"language": _language(payload)})
        async with self._uow() as uow:
            await parking.park(
                uow,
                chat_id,
                payload,
                notice_id=notice,
                adolescent_id=adolescent_id,
                last_inbound_at=last,
            )
            await uow.commit()
        log.info("a WhatsApp message waits for the 24-hour window (notice %s)", notice)
        return notice

    async def _voice_prompt(self, key: str | None, language: str) -> bytes | None:
        """The recording of ``key``; a failed lookup only loses the voice prompt."""
        if not key:
            return None
        try:
            return await self._voice_prompts(key, language)
        except Exception:
            log.exception("voice prompt %s could not be looked up", key)
            return None

    async def _send_voice(self, chat_id: str, audio: bytes) -> str:
        digest = hashlib.sha256(audio).hexdigest()
        known = self._voice_media.get(digest)
        if known is not None and time.monotonic() - known[1] < VOICE_MEDIA_TTL:
            try:
                return await self._send(chat_id, {"type": "audio", "audio": {"id": known[0]}})
            except GraphError as error:
                if error.status >= 500 or error.code in RATE_LIMITED:
                    raise
                self._voice_media.pop(digest, None)  # the media expired: upload again
        media_id = await self.graph.upload(audio, "audio/ogg", f"prompt-{digest[:16]}.ogg")
        self._voice_media[digest] = (media_id, time.monotonic())
        return await self._send(chat_id, {"type": "audio", "audio": {"id": media_id}})


def _language(payload: dict[str, Any]) -> str:
    language = payload.get("language")
    return language if isinstance(language, str) and language else "es"


def delivery_error(error: GraphError | httpx.HTTPError) -> DeliveryError:
    """What the outbox sender should do about a failed Cloud API call."""
    if isinstance(error, httpx.HTTPError):
        return RetryLater(f"WhatsApp unreachable: {error!r}")
    code = error.code
    text = f"WhatsApp {error.status} ({code}): {error.message}"
    if error.details:
        text = f"{text} — {error.details}"
    if code in RATE_LIMITED:
        return RetryLater(text, after=RATE_LIMITED[code], rate_limited=True)
    if error.status == 429:
        return RetryLater(text, after=1.0, rate_limited=True)
    if error.status >= 500 or code in TRANSIENT:
        return RetryLater(text)
    configuration = code in CONFIGURATION or (code is not None and 200 <= code < 300)
    if error.status in (401, 403) or configuration:
        log.error("WhatsApp refused the installation's configuration: %s", text)
        return RetryLater(text, after=CONFIG_RETRY_SECONDS)
    return PermanentFailure(text)
