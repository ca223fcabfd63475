"""``TelegramClient``: the outbox sender's ``ChannelClient`` for Telegram.

A screen becomes one ``sendMessage`` (plain text, no parse mode, so nothing in it is
ever read as markup) with its buttons as an inline keyboard, one keyboard row per
screen row. When the screen names a ``voice_key`` and a recording of it exists in the
screen's language (``voice_prompts``: staff's upload, else the locale folder's file),
the recording follows as a voice note. A deletion (``OutboxKind.DELETE``, for "clear the
chat") removes the listed messages and the adolescent's own messages between them.

The platform's answers are mapped to what the sender understands:

- 429 ``RetryAfter``                           -> ``RetryLater(after=retry_after)``
- time-outs, network errors, 5xx               -> ``RetryLater``
- 403 (bot blocked), 400 "chat not found"      -> ``ChatGone``
- any other 400                                -> ``PermanentFailure``

The returned message id is ``str(message_id)``; when a voice note was sent too, both
ids joined by a comma (``"41,42"``), so that clearing the chat removes both.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.outbox.channel import ChatGone, DeliveryError, PermanentFailure, RetryLater
from bot.telegram.api import retry_after_seconds
from dialogs.screens import Screen
from locales import read_voice_prompt
from plan_store.enums import Channel, OutboxKind
from plan_store.services.voice_prompts import VoiceLookup

log = logging.getLogger(__name__)

MAX_TEXT = 4096
DELETE_BATCH = 100  # deleteMessages takes 1-100 ids
MAX_DELETE_SPAN = 1000
"""Clearing also removes the adolescent's messages between the bot's first and last
(a private chat numbers both sides' messages in one sequence), up to this many ids."""
CONFIG_RETRY_SECONDS = 60.0

_GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")
_ALREADY_GONE = ("message to delete not found", "message can't be deleted")


async def recorded_voice_prompt(key: str, language: str) -> bytes | None:
    """The recording of ``key`` in ``language`` in the locale folders (no database:
    ``rumbo.parts`` gives the client ``voice_prompts.lookup``, which reads staff's
    uploads first)."""
    return await asyncio.to_thread(read_voice_prompt, key, language)


class TelegramClient:
    """Delivers outbox rows to Telegram with one PTB ``Bot``.

    The bot is initialized on first use; ``aclose()`` (or ``async with``) releases its
    connections.
    """

    channel: Channel = Channel.TELEGRAM

    def __init__(self, bot: Bot, *, voice_prompts: VoiceLookup = recorded_voice_prompt) -> None:
        self.bot = bot
        self._voice_prompts = voice_prompts
        self._voice_file_ids: dict[str, str] = {}
        """The file id Telegram gave an uploaded recording, by the recording's SHA-256:
        the same recording is uploaded once; a new upload by staff is a new digest."""
        self._started = False
        self._start_lock = asyncio.Lock()

    async def __aenter__(self) -> TelegramClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        async with self._start_lock:
            if not self._started:
                await self.bot.initialize()
                self._started = True

    async def aclose(self) -> None:
        async with self._start_lock:
            self._started = False
            await self.bot.shutdown()

    async def deliver(self, kind: OutboxKind, chat_id: str, payload: dict[str, Any]) -> str | None:
        """Send one outbox row; raises a ``DeliveryError`` when it was not delivered."""
        chat = _chat_number(chat_id)
        try:
            await self.start()
            if kind is OutboxKind.DELETE:
                await self._delete(chat, payload.get("message_ids", []))
                return None
            return await self._send(chat, payload)
        except TelegramError as error:
            raise delivery_error(error) from error

    # ----------------------------------------------------------------- screens

    async def _send(self, chat: int, payload: dict[str, Any]) -> str:
        try:
            screen = Screen.from_payload(payload)
        except (TypeError, ValueError) as error:
            raise PermanentFailure(f"not a screen: {error}") from error
        voice = await self._voice_prompt(screen)
        markup = keyboard(screen)
        text = screen.text.strip()
        if not text:
            if voice is None:
                raise PermanentFailure("an empty screen")
            sent = await self._send_voice(chat, voice, markup)
            return str(sent.message_id)
        ids = []
        chunks = split_text(text)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            message = await self.bot.send_message(
                chat,
                chunk,
                reply_markup=markup if last else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
            ids.append(message.message_id)
        if voice is not None:
            try:
                sent = await self._send_voice(chat, voice, None)
                ids.append(sent.message_id)
            except TelegramError as error:
                # The words arrived; the recording is an extra. Sending the row again
                # would repeat the text, so a failed voice note is only logged.
                log.warning("voice prompt %s not sent: %s", screen.voice_key, error)
        return ",".join(str(i) for i in ids)

    async def _voice_prompt(self, screen: Screen) -> bytes | None:
        """The screen's recording in its language; a failed lookup only loses the voice."""
        if not screen.voice_key:
            return None
        try:
            return await self._voice_prompts(screen.voice_key, screen.language or "es")
        except Exception:
            log.exception("voice prompt %s could not be looked up", screen.voice_key)
            return None

    async def _send_voice(
        self, chat: int, audio: bytes, markup: InlineKeyboardMarkup | None
    ) -> Message:
        digest = hashlib.sha256(audio).hexdigest()
        known = self._voice_file_ids.get(digest)
        if known is not None:
            try:
                return await self.bot.send_voice(chat, known, reply_markup=markup)
            except BadRequest:
                self._voice_file_ids.pop(digest, None)  # the file id expired: upload again
        message = await self.bot.send_voice(chat, audio, reply_markup=markup)
        if message.voice is not None:
            self._voice_file_ids[digest] = message.voice.file_id
        return message

    # ----------------------------------------------------------------- deletions

    async def _delete(self, chat: int, raw_ids: Iterable[object]) -> None:
        ids = deletion_ids(raw_ids)
        for start in range(0, len(ids), DELETE_BATCH):
            batch = ids[start : start + DELETE_BATCH]
            try:
                await self.bot.delete_messages(chat, batch)
            except BadRequest as error:
                if _says(error, _GONE):
                    raise
                for message_id in batch:  # find out which ones are the trouble
                    await self._delete_one(chat, message_id)

    async def _delete_one(self, chat: int, message_id: int) -> None:
        try:
            await self.bot.delete_message(chat, message_id)
        except BadRequest as error:
            if _says(error, _GONE):
                raise
            # Already gone, or older than Telegram lets a bot delete (48 hours): done.
            if not _says(error, _ALREADY_GONE):
                log.warning("message %s not deleted: %s", message_id, error.message)


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(button.label, callback_data=button.action) for button in row]
        for row in screen.buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces Telegram accepts, cut at line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [piece for piece in pieces if piece]


def deletion_ids(raw_ids: Iterable[object]) -> list[int]:
    """The message ids a deletion covers: the listed ones (``"41,42"`` counts as two),
    and the adolescent's messages in between, if the span is not too long."""
    listed: set[int] = set()
    for raw in raw_ids:
        for part in str(raw).split(","):
            if part.strip().isdigit():
                listed.add(int(part))
    if not listed:
        return []
    first, last = min(listed), max(listed)
    if last - first < MAX_DELETE_SPAN:
        # The message before the bot's first one is the /start that opened the chat.
        return list(range(max(1, first - 1), last + 1))
    return sorted(listed)


def _chat_number(chat_id: str) -> int:
    try:
        return int(chat_id)
    except ValueError:
        raise PermanentFailure(f"not a Telegram chat id: {chat_id!r}") from None


def _says(error: TelegramError, fragments: Sequence[str]) -> bool:
    message = error.message.lower()
    return any(fragment in message for fragment in fragments)


def delivery_error(error: TelegramError) -> DeliveryError:
    """What the outbox sender should do about a PTB error."""
    if isinstance(error, RetryAfter):
        return RetryLater(error.message, after=retry_after_seconds(error), rate_limited=True)
    if isinstance(error, Forbidden | ChatMigrated):
        return ChatGone(error.message)
    if isinstance(error, BadRequest):  # before NetworkError: BadRequest is one
        if _says(error, _GONE):
            return ChatGone(error.message)
        return PermanentFailure(error.message)
    if isinstance(error, InvalidToken | EndPointNotFound):
        # Our configuration, not the message: keep it for when it is fixed.
        log.error("Telegram refused the bot's configuration: %s", error.message)
        return RetryLater(error.message, after=CONFIG_RETRY_SECONDS)
    if isinstance(error, TimedOut | NetworkError | Conflict):
        return RetryLater(error.message)
    return RetryLater(error.message)
