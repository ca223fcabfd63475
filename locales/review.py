"""Review state of translations and the per-language counts the staff console shows."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from locales.catalogs import DOMAIN, LOCALES_DIR, po_path
from locales.languages import LANGUAGES, SOURCE_LANGUAGE, Language

REVIEWED_BY = "reviewed-by:"


class ReviewState(Enum):
    UNTRANSLATED = "untranslated"
    FUZZY = "fuzzy"
    DRAFT = "draft"
    REVIEWED = "reviewed"


@dataclass(frozen=True, slots=True)
class CatalogStats:
    code: str
    native_name: str
    total: int
    translated: int
    reviewed: int
    fuzzy: int

    @property
    def drafts(self) -> int:
        """Translated entries still awaiting a native speaker's review."""
        return self.translated - self.reviewed


def is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    return all(strings)


def reviewer(message: Message) -> str | None:
    """The name after `reviewed-by:` in the entry's translator comments, if any."""
    for comment in message.user_comments:
        text = comment.strip()
        if text.lower().startswith(REVIEWED_BY) and text[len(REVIEWED_BY) :].strip():
            return text[len(REVIEWED_BY) :].strip()
    return None


def review_state(message: Message, lang: Language) -> ReviewState:
    if lang.code == SOURCE_LANGUAGE:
        return ReviewState.REVIEWED  # the msgid is the Spanish text itself
    if message.fuzzy:
        return ReviewState.FUZZY
    if not is_translated(message):
        return ReviewState.UNTRANSLATED
    if not lang.needs_review or reviewer(message):
        return ReviewState.REVIEWED
    return ReviewState.DRAFT


def read_catalog(code: str, directory: Path = LOCALES_DIR) -> Catalog:
    with po_path(code, directory).open("rb") as handle:
        return read_po(handle, domain=DOMAIN, abort_invalid=True)


def stats_for(lang: Language, catalog: Catalog) -> CatalogStats:
    states = [review_state(m, lang) for m in catalog if m.id]
    reviewed = states.count(ReviewState.REVIEWED)
    return CatalogStats(
        code=lang.code,
        native_name=lang.native_name,
        total=len(states),
        translated=reviewed + states.count(ReviewState.DRAFT),
        reviewed=reviewed,
        fuzzy=states.count(ReviewState.FUZZY),
    )


def catalog_stats(directory: Path = LOCALES_DIR) -> list[CatalogStats]:
    """Counts per supported language, in LANGUAGES order (a missing catalog counts 0)."""
    result = []
    for lang in LANGUAGES:
        if po_path(lang.code, directory).exists():
            result.append(stats_for(lang, read_catalog(lang.code, directory)))
        else:
            result.append(CatalogStats(lang.code, lang.native_name, 0, 0, 0, 0))
    return result


def review_states(code: str, directory: Path = LOCALES_DIR) -> dict[tuple[str, str], ReviewState]:
    """The state of each message of a catalog by ``(msgctxt or "", msgid)`` (read
    again only when the file changes)."""
    path = po_path(code, directory)
    if not path.exists():
        return {}
    return _review_states(code, directory, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _review_states(code: str, directory: Path, mtime_ns: int) -> dict[tuple[str, str], ReviewState]:
    lang = next((lang for lang in LANGUAGES if lang.code == code), None)
    if lang is None:
        return {}
    states = {}
    for message in read_catalog(code, directory):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        states[(message.context or "", str(msgid))] = review_state(message, lang)
    return states
