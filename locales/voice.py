"""Voice prompts: short recorded voice notes of a message, for those who read little.

A screen may name a voice key (``"consent:messaging:1"``, ``"menu"``, ``"welcome"``).
When a recording of that key exists in the chat's language, the transport sends it as
a voice note beside the text. A recording comes from one of two places:

- a file in the locale's folder, ``locales/<lang>/voice/<file>.ogg``, where the file
  name is the key with each ``:`` written as ``.`` (``consent.messaging.1.ogg``:
  colons are not allowed in file names on every system);
- an upload by staff, stored in the database (``plan_store.services.voice_prompts``),
  which wins over the file.

There is no fallback to another language: a Spanish recording in a K'iche' chat
would say something else than the words on screen. Every recording is OGG/Opus (what
Telegram shows as a voice note and WhatsApp plays as audio) and at most 1 MB, about a
minute of speech; ``ogg_opus_problem`` says what is wrong with one that is not, and
``python -m locales.manage check`` holds the files in the locale folders to it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from locales.catalogs import LOCALES_DIR
from locales.languages import is_supported

log = logging.getLogger(__name__)

VOICE_DIR = "voice"
SUFFIX = ".ogg"
MAX_VOICE_PROMPT_BYTES = 1024 * 1024
MAX_KEY_LENGTH = 80
MIME_TYPE = "audio/ogg"

_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*(?::[a-z0-9_-]+)*")
_OGG_HEADER = 27  # "OggS", version, flags, granule (8), serial (4), sequence (4), crc (4), n
_BEGINNING_OF_STREAM = 0x02


def is_voice_key(key: str) -> bool:
    """Lower-case words of letters, digits, ``_`` and ``-``, joined by ``:``."""
    return len(key) <= MAX_KEY_LENGTH and _KEY.fullmatch(key) is not None


def file_name(key: str) -> str:
    """``"consent:messaging:1"`` -> ``"consent.messaging.1.ogg"``."""
    if not is_voice_key(key):
        raise ValueError(f"not a voice key: {key!r}")
    return key.replace(":", ".") + SUFFIX


def key_of_file(path: Path) -> str | None:
    """The voice key a file in a ``voice`` folder records, or None for a stray file."""
    stem = path.name[: -len(SUFFIX)]
    if path.suffix != SUFFIX or ":" in stem:
        return None  # a colon would not survive a checkout on every system
    key = stem.replace(".", ":")
    return key if is_voice_key(key) else None


def voice_dir(code: str, directory: Path | None = None) -> Path:
    """``locales/<code>/voice`` (``directory`` stands for ``locales/`` in tests)."""
    return (directory or LOCALES_DIR) / code / VOICE_DIR


def voice_prompt_path(key: str, language: str, directory: Path | None = None) -> Path | None:
    """The recording of ``key`` in ``language`` in the locale folders, if there is one.

    An invalid key or an unsupported language has none (never a path outside the
    locale folders)."""
    if not is_voice_key(key) or not is_supported(language):
        return None
    path = voice_dir(language, directory) / file_name(key)
    return path if path.is_file() else None


def read_voice_prompt(key: str, language: str, directory: Path | None = None) -> bytes | None:
    """The bytes of the recording of ``key`` in ``language`` in the locale folders.

    A file that is not a usable recording is logged and left out, so that a broken
    file never reaches a chat as something the phone cannot play."""
    path = voice_prompt_path(key, language, directory)
    if path is None:
        return None
    try:
        audio = path.read_bytes()
    except OSError as error:
        log.warning("voice prompt %s not readable: %s", path, error)
        return None
    problem = ogg_opus_problem(audio)
    if problem is not None:
        log.warning("voice prompt %s not used: %s", path, problem)
        return None
    return audio


def ogg_opus_problem(audio: bytes, limit: int = MAX_VOICE_PROMPT_BYTES) -> str | None:
    """What keeps ``audio`` from being a voice prompt, or None when it is one.

    It must be at most ``limit`` bytes of Ogg pages (RFC 3533) that carry Opus
    (RFC 7845): the first page alone holds the ``OpusHead`` packet, the second page
    starts the ``OpusTags`` packet, and at least one page of audio follows. Page
    checksums are not verified: the platforms decode the audio themselves.
    """
    if not audio:
        return "the file is empty"
    if len(audio) > limit:
        return f"the file is larger than {limit // 1024} KB"
    if not audio.startswith(b"OggS"):
        return "not an Ogg file (no OggS at the start)"
    pages: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(audio):
        if audio[offset : offset + 4] != b"OggS" or len(audio) < offset + _OGG_HEADER:
            return f"broken Ogg page at byte {offset}"
        if audio[offset + 4] != 0:
            return f"unknown Ogg version at byte {offset}"
        segments = audio[offset + 26]
        table = audio[offset + _OGG_HEADER : offset + _OGG_HEADER + segments]
        start = offset + _OGG_HEADER + segments
        end = start + sum(table)
        if len(table) < segments or end > len(audio):
            return "the file is cut short"
        pages.append((audio[offset + 5], audio[start:end]))
        offset = end
    (flags, head), *rest = pages
    if not flags & _BEGINNING_OF_STREAM or not head.startswith(b"OpusHead"):
        return "not Opus audio (no OpusHead packet on the first page)"
    if len(head) < 19 or head[8] >> 4 != 0 or head[9] == 0:
        return "not a valid OpusHead packet (its version or channel count)"
    if not rest or not rest[0][1].startswith(b"OpusTags"):
        return "not Opus audio (no OpusTags packet on the second page)"
    if len(rest) < 2:
        return "no audio after the Opus headers"
    return None
