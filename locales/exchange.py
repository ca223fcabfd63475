"""Translations in and out of a ``.po`` catalog, with who wrote and who reviewed them.

The console keeps translations in the database (``plan_store.services.translations``);
``rumbo i18n export`` writes them into ``locales/<lang>/LC_MESSAGES/messages.po`` and
``rumbo i18n import`` reads a catalog back (from the repository, Weblate or Pontoon).
The signatures are translator comments, which every tool keeps::

    # translated-by: Ana Tzoc, 2026-12-05T22:10:03Z
    # reviewed-by: Pedro Ixcoy, 2026-12-05T23:01:44Z
    # any other lines: the translator's note
    msgid "⬅️ Volver"
    msgstr "..."

``reviewed-by:`` is the review convention of the catalogs (``locales.review``): an
entry signed so is reviewed whichever way it came. A signature's date may be a plain
day (``2025-04-02``), as older entries have. In a language that needs review, a
console draft is written fuzzy (``drafts_fuzzy``): the chat never shows a fuzzy
entry, as it never shows a console draft, and reading it back gives the draft again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po

from locales.catalogs import DOMAIN
from locales.review import REVIEWED_BY

TRANSLATED_BY = "translated-by:"
WIDTH = 76


@dataclass(frozen=True, slots=True)
class Entry:
    """One translated message and its signatures."""

    context: str
    msgid: str
    text: str
    plural_text: str | None = None
    note: str = ""
    translated_by: str = ""
    translated_at: datetime | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


def signature(name: str, when: datetime | None) -> str:
    if when is None:
        return name
    return f"{name}, {when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def parse_signature(text: str) -> tuple[str, datetime | None]:
    """``"Ana Tzoc (intérprete), 2025-04-02"`` -> the name and the moment, if given."""
    text = text.strip()
    name, _, when = text.rpartition(",")
    if not name:
        return text, None
    when = when.strip()
    try:
        if "T" in when:
            return name.strip(), datetime.fromisoformat(when.replace("Z", "+00:00"))
        day = date.fromisoformat(when)
    except ValueError:
        return text, None
    return name.strip(), datetime(day.year, day.month, day.day, tzinfo=UTC)


def comments_of(entry: Entry) -> list[str]:
    lines = []
    if entry.translated_by:
        lines.append(f"{TRANSLATED_BY} {signature(entry.translated_by, entry.translated_at)}")
    if entry.reviewed_by:
        lines.append(f"{REVIEWED_BY} {signature(entry.reviewed_by, entry.reviewed_at)}")
    lines += [line for line in entry.note.splitlines() if line.strip()]
    return lines


def _strings(message: Message) -> tuple[str, str | None]:
    if isinstance(message.string, (list, tuple)):
        forms = [str(s) for s in message.string]
        return forms[0], forms[1] if len(forms) > 1 else None
    return str(message.string or ""), None


def entry_of(message: Message) -> Entry | None:
    """The entry a catalog message holds, or None when it is not translated (or
    fuzzy, unless it is a console draft: fuzzy and signed ``translated-by:``)."""
    if not message.id:
        return None
    signed = any(c.strip().lower().startswith(TRANSLATED_BY) for c in message.user_comments)
    if message.fuzzy and not signed:
        return None
    text, plural_text = _strings(message)
    if not text or (isinstance(message.string, (list, tuple)) and not all(message.string)):
        return None
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    translated_by, translated_at, reviewed_by, reviewed_at = "", None, None, None
    note: list[str] = []
    for comment in message.user_comments:
        line = comment.strip()
        if line.lower().startswith(TRANSLATED_BY):
            translated_by, translated_at = parse_signature(line[len(TRANSLATED_BY) :])
        elif (
            line.lower().startswith(REVIEWED_BY)
            and line[len(REVIEWED_BY) :].strip()
            and not message.fuzzy
        ):
            reviewed_by, reviewed_at = parse_signature(line[len(REVIEWED_BY) :])
        elif line:
            note.append(line)
    return Entry(
        context=message.context or "",
        msgid=str(msgid),
        text=text,
        plural_text=plural_text,
        note="\n".join(note),
        translated_by=translated_by,
        translated_at=translated_at,
        reviewed_by=reviewed_by,
        reviewed_at=reviewed_at,
    )


def read_entries(path: Path) -> list[Entry]:
    """Every translated, non-fuzzy entry of the catalog at ``path``."""
    with path.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN, abort_invalid=True)
    return [entry for message in catalog if (entry := entry_of(message)) is not None]


def write_entries(path: Path, entries: list[Entry], *, drafts_fuzzy: bool = True) -> list[Entry]:
    """Put ``entries`` into the catalog at ``path`` (their text and signatures replace
    what the catalog had for those messages; unreviewed ones fuzzy if ``drafts_fuzzy``).
    Returns the entries the catalog has no message for (the Spanish changed or is
    gone: run ``update`` and translate)."""
    with path.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN, abort_invalid=True)
    missing = []
    for entry in entries:
        message = catalog.get(entry.msgid, entry.context or None)
        if message is None:
            missing.append(entry)
            continue
        if isinstance(message.id, (list, tuple)):
            message.string = (entry.text, entry.plural_text or entry.text)
        else:
            message.string = entry.text
        message.user_comments = comments_of(entry)
        if drafts_fuzzy and not entry.reviewed_by:
            message.flags.add("fuzzy")
        else:
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=WIDTH)
    return missing
