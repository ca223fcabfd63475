"""From a Telegram ``Update`` to Rumbo's channel-neutral ``Inbound``.

Only private chats are served: groups and channels are ignored (nothing is stored,
nothing is sent there). What the conversation understands becomes an ``Event``:

- ``/start [payload]``       -> ``Event.start(payload)`` (a deep link carries a code)
- text                        -> ``Event.text``
- a tapped inline button      -> ``Event.choice(callback_data)`` (validated by the dialogs)
- a voice note                -> ``Event.voice_note(audio)``, downloaded here

What it does not understand gets a short, kind answer in the chat's language
instead of silence: stickers, photos and other media ("I can only read text, buttons
and voice notes"), and edited messages ("write it again"). A photo or file with a
caption is read as its caption, followed by that note. These answers go through the
same ``receive`` pipeline (stored, de-duplicated, outbox) as any other reply.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import Bot, CallbackQuery, Message, Update, Voice
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError

from bot.inbound import Handler, Inbound
from dialogs import notices
from dialogs.events import Event, without_controls
from dialogs.notices import Notice
from dialogs.screens import MAX_ACTION_BYTES
from plan_store.enums import Channel

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
"""The update types Rumbo asks Telegram for (getUpdates and setWebhook)."""

MAX_VOICE_BYTES = 8 * 1024 * 1024
"""A larger voice note is not downloaded (at ~16 kbit/s this is over an hour)."""

MAX_TEXT_CHARS = 4096

_START = re.compile(r"^/start(?:@\w+)?(?:\s+(?P<payload>.*))?$", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update ready for ``bot.inbound.receive``.

    ``handler`` is None for the dialogs themselves, or a small handler that answers a
    ``Notice``. ``callback_query_id`` is the tap to acknowledge after the commit.
    """

    inbound: Inbound
    handler: Handler | None = None
    callback_query_id: str | None = None


def callback_query_id(update: Update) -> str | None:
    """The id of the tap in ``update`` that must be answered, if any (also for taps
    that are ignored: the button stops spinning either way)."""
    return update.callback_query.id if update.callback_query is not None else None


async def to_incoming(
    update: Update, bot: Bot, *, max_voice_bytes: int = MAX_VOICE_BYTES
) -> Incoming | None:
    """``update`` as an ``Incoming``, or None when Rumbo ignores it.

    Never raises for odd content (forged or oversized callback data, unknown message
    kinds, an update PTB half understood: those are logged and ignored, since trying
    again would not help); raises a ``telegram.error.NetworkError`` only when a voice
    note could not be downloaded for a passing reason, so that the update is not
    acknowledged and comes again.
    """
    try:
        return await _to_incoming(update, bot, max_voice_bytes)
    except NetworkError as error:
        if isinstance(error, BadRequest):
            log.warning("Telegram update %s ignored: %s", update.update_id, error.message)
            return None
        raise
    except Exception:
        log.exception("Telegram update %s could not be read; ignored", update.update_id)
        return None


async def _to_incoming(update: Update, bot: Bot, max_voice_bytes: int) -> Incoming | None:
    update_id = str(update.update_id)
    if update.callback_query is not None:
        return _from_callback(update_id, update.callback_query)
    if update.message is not None:
        return await _from_message(update_id, update.message, bot, max_voice_bytes)
    if update.edited_message is not None:
        message = update.edited_message
        if not _is_private(message):
            return None
        return _notice(update_id, message.chat.id, Notice.EDITED)
    return None


def _from_callback(update_id: str, query: CallbackQuery) -> Incoming | None:
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None  # an inline-mode message or a group: not ours
    data = without_controls(query.data or "")
    if len(data.encode("utf-8")) > MAX_ACTION_BYTES:
        data = ""  # not a button Rumbo made; the dialogs answer "use a button"
    inbound = Inbound(Channel.TELEGRAM, update_id, str(message.chat.id), Event.choice(data))
    return Incoming(inbound, callback_query_id=query.id)


async def _from_message(
    update_id: str, message: Message, bot: Bot, max_voice_bytes: int
) -> Incoming | None:
    if not _is_private(message):
        return None
    chat_id = message.chat.id
    if message.text is not None:
        text = without_controls(message.text)[:MAX_TEXT_CHARS]
        start = _START.match(text.strip())
        event = Event.start((start.group("payload") or "").strip()) if start else Event.text(text)
        return Incoming(Inbound(Channel.TELEGRAM, update_id, str(chat_id), event))
    if message.voice is not None:
        return await _from_voice(update_id, chat_id, message.voice, bot, max_voice_bytes)
    if message.effective_attachment is None:
        return None  # a service message (e.g. an auto-delete timer was set): nothing to say
    if message.caption:
        event = Event.text(without_controls(message.caption)[:MAX_TEXT_CHARS])
        inbound = Inbound(Channel.TELEGRAM, update_id, str(chat_id), event)
        return Incoming(inbound, handler=notices.after(Notice.CAPTION_ONLY))
    return _notice(update_id, chat_id, Notice.UNSUPPORTED)


async def _from_voice(
    update_id: str, chat_id: int, voice: Voice, bot: Bot, max_voice_bytes: int
) -> Incoming:
    if voice.file_size is not None and voice.file_size > max_voice_bytes:
        return _notice(update_id, chat_id, Notice.VOICE_TOO_LONG)
    try:
        file = await bot.get_file(voice.file_id)
        if file.file_size is not None and file.file_size > max_voice_bytes:
            return _notice(update_id, chat_id, Notice.VOICE_TOO_LONG)
        audio = bytes(await file.download_as_bytearray())
    except BadRequest as error:  # e.g. "file is too big": asking again will not help
        log.warning("a voice note could not be fetched: %s", error.message)
        return _notice(update_id, chat_id, Notice.VOICE_UNREADABLE)
    if len(audio) > max_voice_bytes:
        return _notice(update_id, chat_id, Notice.VOICE_TOO_LONG)
    if not audio:
        return _notice(update_id, chat_id, Notice.VOICE_UNREADABLE)
    event = Event.voice_note(audio)
    return Incoming(Inbound(Channel.TELEGRAM, update_id, str(chat_id), event))


def _is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def _notice(update_id: str, chat_id: int, notice: Notice) -> Incoming:
    # The event is kept neutral: the handler answers the notice, whatever the event.
    inbound = Inbound(Channel.TELEGRAM, update_id, str(chat_id), Event.text(""))
    return Incoming(inbound, handler=notices.answer(notice))
