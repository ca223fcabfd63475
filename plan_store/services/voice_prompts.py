"""Voice prompts uploaded by staff: a recorded voice note of a message per language.

A screen names a voice key (``"menu"``, ``"consent:messaging:1"``); ``find`` gives the
recording the transports send beside the text: staff's upload first, then the file in
``locales/<lang>/voice/`` (see ``locales.voice``). A recording is the same words for
every adolescent, not personal data, so it is stored in clear. Uploads and removals
are audited (who, which key and language, how many bytes; never the audio).

The transports hold no unit of work: ``lookup(uow_factory)`` gives them the async
``(key, language) -> bytes | None`` they are built with (``rumbo.parts``).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from locales import is_supported, is_voice_key, ogg_opus_problem, read_voice_prompt
from locales.voice import MAX_VOICE_PROMPT_BYTES
from plan_store.errors import InvalidVoicePrompt, NotFound
from plan_store.models import VoicePrompt
from plan_store.services import audit
from plan_store.services.access import StaffActor
from plan_store.unit_of_work import UnitOfWork, UnitOfWorkFactory

VoiceLookup = Callable[[str, str], Awaitable[bytes | None]]
"""``(voice_key, language) -> an OGG/Opus recording, or None``."""

MAX_BYTES = MAX_VOICE_PROMPT_BYTES


@dataclass(frozen=True, slots=True)
class StoredPrompt:
    """An upload, without its audio (for a listing)."""

    key: str
    language: str
    size: int
    sha256: str
    uploaded_by_id: int
    uploaded_at: datetime


def _check(key: str, language: str) -> None:
    if not is_voice_key(key):
        raise InvalidVoicePrompt(
            f"not a voice key: {key!r} (lower-case words of a-z 0-9 _ -, joined by ':')"
        )
    if not is_supported(language):
        raise InvalidVoicePrompt(f"not a supported language: {language!r}")


async def _stored(uow: UnitOfWork, key: str, language: str) -> VoicePrompt | None:
    return await uow.session.scalar(
        select(VoicePrompt).where(VoicePrompt.key == key, VoicePrompt.language == language)
    )


async def attach(
    uow: UnitOfWork, actor: StaffActor, key: str, language: str, audio: bytes
) -> VoicePrompt:
    """Store ``audio`` as the recording of ``key`` in ``language`` (replacing any
    earlier upload). Raises ``InvalidVoicePrompt`` unless it is OGG/Opus of at most
    1 MB for a well-formed key and a supported language."""
    _check(key, language)
    problem = ogg_opus_problem(audio, MAX_BYTES)
    if problem is not None:
        raise InvalidVoicePrompt(f"not a voice prompt: {problem}")
    digest = hashlib.sha256(audio).hexdigest()
    prompt = await _stored(uow, key, language)
    replaced = prompt is not None
    if prompt is None:
        prompt = VoicePrompt(key=key, language=language)
        uow.session.add(prompt)
    prompt.audio = audio
    prompt.size = len(audio)
    prompt.sha256 = digest
    prompt.uploaded_by_id = actor.id
    prompt.uploaded_at = uow.now()
    await uow.flush()
    audit.record(
        uow,
        "voice_prompt.attach",
        staff_id=actor.id,
        target=f"voice_prompt:{prompt.id}",
        details={"key": key, "language": language, "bytes": len(audio), "replaced": replaced},
    )
    return prompt


async def remove(uow: UnitOfWork, actor: StaffActor, key: str, language: str) -> None:
    """Delete staff's upload of ``key`` in ``language`` (a file in the locale folder,
    if any, is used again). ``NotFound`` when there is no upload."""
    _check(key, language)
    prompt = await _stored(uow, key, language)
    if prompt is None:
        raise NotFound(f"no uploaded voice prompt {key!r} in {language!r}")
    audit.record(
        uow,
        "voice_prompt.remove",
        staff_id=actor.id,
        target=f"voice_prompt:{prompt.id}",
        details={"key": key, "language": language},
    )
    await uow.session.delete(prompt)
    await uow.flush()


async def find(uow: UnitOfWork, key: str, language: str) -> bytes | None:
    """The recording of ``key`` in ``language``: staff's upload, else the locale
    folder's file, else None (never another language's recording)."""
    if not is_voice_key(key) or not is_supported(language):
        return None
    audio = await uow.session.scalar(
        select(VoicePrompt.audio).where(VoicePrompt.key == key, VoicePrompt.language == language)
    )
    if audio is not None:
        return bytes(audio)
    return await asyncio.to_thread(read_voice_prompt, key, language)


async def uploads(uow: UnitOfWork) -> list[StoredPrompt]:
    """Every upload by key and language, without the audio."""
    rows = await uow.session.execute(
        select(
            VoicePrompt.key,
            VoicePrompt.language,
            VoicePrompt.size,
            VoicePrompt.sha256,
            VoicePrompt.uploaded_by_id,
            VoicePrompt.uploaded_at,
        ).order_by(VoicePrompt.key, VoicePrompt.language)
    )
    return [StoredPrompt(*row) for row in rows]


def lookup(uow_factory: UnitOfWorkFactory) -> VoiceLookup:
    """``find`` in a short unit of work of its own, for a transport's client."""

    async def find_prompt(key: str, language: str) -> bytes | None:
        async with uow_factory() as uow:
            return await find(uow, key, language)

    return find_prompt
