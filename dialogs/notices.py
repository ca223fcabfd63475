"""What the chat says about something a transport could not hand to the conversation.

A sticker, a photo, an edited message, a voice note too long to take: each channel
notices these in its own way, but what the adolescent reads is said here, in the
chat's language, like every other word of the conversation. So is the apology a
transport sends when the conversation itself failed on a message. A transport answers a
``Notice`` with ``answer`` (only the notice) or ``after`` (the conversation reads the
event, then the notice explains what was left out: a photo's caption).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from dialogs.events import Event
from dialogs.screens import Reply, Screen
from locales import SOURCE_LANGUAGE, Translator, is_supported, translator
from plan_store.enums import Channel
from plan_store.services.chats import chat_context
from plan_store.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, Channel, str, Event], Awaitable[Reply]]
"""What ``dialogs.conversation.handle`` is: one event of one chat in, a reply out."""


class Notice(StrEnum):
    """What a transport could not hand to the conversation as it was sent."""

    UNSUPPORTED = "unsupported"
    EDITED = "edited"
    CAPTION_ONLY = "caption_only"
    VOICE_TOO_LONG = "voice_too_long"
    VOICE_UNREADABLE = "voice_unreadable"


def answer(notice: Notice) -> Handler:
    """A handler that only answers ``notice``, whatever the event."""

    async def handle(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        t, case_id = await chat_language(uow, channel, chat_id)
        return Reply(screens=[Screen(text(t, notice), language=t.code)], adolescent_id=case_id)

    return handle


def after(notice: Notice, dialogs: Handler | None = None) -> Handler:
    """A handler where the conversation (or ``dialogs``) reads the event first."""

    async def handle(uow: UnitOfWork, channel: Channel, chat_id: str, event: Event) -> Reply:
        if dialogs is None:
            from dialogs import conversation  # the whole conversation, only when needed

            reply = await conversation.handle(uow, channel, chat_id, event)
        else:
            reply = await dialogs(uow, channel, chat_id, event)
        t, _ = await chat_language(uow, channel, chat_id)
        reply.screens.append(Screen(text(t, notice), language=t.code))
        return reply

    return handle


async def chat_language(
    uow: UnitOfWork, channel: Channel, chat_id: str
) -> tuple[Translator, int | None]:
    """The chat's translator (its chosen language, else its case's, else Spanish) and
    the case it is linked to, if any."""
    context = await chat_context(uow, channel, chat_id)
    code = context.session.language or (context.case.language if context.case else None)
    language = code if code and is_supported(code) else SOURCE_LANGUAGE
    return translator(language), context.case.id if context.case else None


def text(t: Translator, notice: Notice) -> str:
    """What the chat says about something it could not read."""
    if notice is Notice.EDITED:
        # Translators: Telegram lets people edit a sent message; Rumbo cannot read edits.
        return t.gettext(
            "Vi que cambiaste un mensaje, pero no puedo leer cambios. "
            "Si quieres, escríbelo otra vez."
        )
    if notice is Notice.CAPTION_ONLY:
        # Translators: after the answer to the text that came with a photo or a file.
        return t.gettext("Leí tu texto. Fotos, stickers y archivos no los puedo ver.")
    if notice is Notice.VOICE_TOO_LONG:
        # Translators: the adolescent sent a voice note longer than the bot can take.
        return t.gettext(
            "Tu nota de voz es muy larga para mí. ¿Me mandas una más corta o me escribes?"
        )
    if notice is Notice.VOICE_UNREADABLE:
        # Translators: a voice note could not be downloaded. The fault is the bot's.
        return t.gettext("No pude escuchar tu nota de voz. ¿Me la mandas otra vez?")
    # Translators: the adolescent sent a sticker, photo, file or location, which the bot cannot
    # read.
    return t.gettext(
        "Solo puedo leer texto, botones y notas de voz. ¿Me lo escribes o me mandas un audio?"
    )


def apology(t: Translator | None = None) -> Screen:
    """What the chat says when the conversation failed on a message and nothing of it
    could be kept. In Spanish unless ``t`` is given: when even the turn that keeps
    what it can failed (``dialogs.recovery``), the chat's language is not known."""
    t = t or translator(SOURCE_LANGUAGE)
    # Translators: sent when the bot failed on a message. The fault is the bot's, never the
    # adolescent's.
    text = t.gettext("Perdón, algo falló de mi lado. ¿Me lo repites en un momento?")
    return Screen(text, language=t.code)


def sorry(t: Translator) -> str:
    """The first line of an answer to a message the conversation failed on, when what
    it said was kept all the same (``dialogs.recovery``)."""
    # Translators: first line of the answer to a message the bot failed on, but still kept for the
    # team (what follows says who reads it, and when). The fault is the bot's.
    return t.gettext("Perdón, algo falló de mi lado.")
