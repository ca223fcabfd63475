"""Loading the gettext catalogs and translating with a per-string Spanish fallback."""

from __future__ import annotations

import functools
import gettext
import logging
from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from locales.languages import language
from locales.placeholders import placeholder_problem

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"


OverrideKey = tuple[str, str]
"""``(msgctxt or "", msgid)``."""
Overrides = Mapping[OverrideKey, tuple[str, ...]]
"""Translation forms (one, or singular and plural) by message."""

_overrides: dict[str, Overrides] = {}


def set_overrides(code: str, overrides: Overrides) -> None:
    """Translations that win over the catalog of ``code`` from now on, in every
    Translator of this process (the console's reviewed translations: see
    ``plan_store.services.translations``). They are checked like the catalog's."""
    _overrides[code] = dict(overrides)


def clear_overrides() -> None:
    """Back to the catalogs alone (tests, between databases)."""
    _overrides.clear()


def overrides_of(code: str) -> Overrides:
    return _overrides.get(code, {})


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it (module-level constants).

    Translate it where it is shown: `t.gettext(GOALS_BUTTON)`.
    """
    return message


def po_path(code: str, directory: Path = LOCALES_DIR) -> Path:
    return directory / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(po: Path) -> bytes:
    """The .mo bytes for a .po file, leaving fuzzy entries out (raises on a broken file)."""
    with po.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN, abort_invalid=True)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def catalog_bytes(code: str, directory: Path = LOCALES_DIR) -> bytes | None:
    """The compiled catalog: the .mo when it is newer than the .po, else the .po compiled now."""
    po = po_path(code, directory)
    mo = po.with_suffix(".mo")
    if not po.exists():
        return mo.read_bytes() if mo.exists() else None
    if mo.exists() and mo.stat().st_mtime_ns > po.stat().st_mtime_ns:
        return mo.read_bytes()
    return compile_po(po)


class Translator:
    """gettext for one language; any string it cannot translate safely stays Spanish.

    Missing, empty and fuzzy translations, and translations whose placeholders do not
    match the Spanish text, all give the Spanish msgid. The method names follow
    gettext, so `jinja2.Environment.install_gettext_translations` accepts a Translator.
    """

    def __init__(self, code: str, compiled: bytes | None = None) -> None:
        self.code = code
        self._catalog: gettext.NullTranslations = (
            gettext.GNUTranslations(BytesIO(compiled)) if compiled else gettext.NullTranslations()
        )
        self._reported: set[str] = set()

    def __repr__(self) -> str:
        return f"Translator({self.code!r})"

    def _override(self, context: str, message: str, n: int | None = None) -> str | None:
        forms = _overrides.get(self.code, {}).get((context, message))
        if not forms or not all(forms):
            return None
        if n is None or len(forms) == 1:
            return forms[0]
        return forms[0] if n == 1 else forms[1]

    def gettext(self, message: str) -> str:
        if not message:
            return message  # gettext("") would return the catalog header
        found = self._override("", message)
        if found is None:
            found = self._catalog.gettext(message)
        return self._checked(found, (message,), message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        spanish = singular if n == 1 else plural
        found = self._override("", singular, n)
        if found is None:
            found = self._catalog.ngettext(singular, plural, n)
        return self._checked(found, (singular, plural), spanish)

    def pgettext(self, context: str, message: str) -> str:
        if not message:
            return message
        found = self._override(context, message)
        if found is None:
            found = self._catalog.pgettext(context, message)
        return self._checked(found, (message,), message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        spanish = singular if n == 1 else plural
        found = self._override(context, singular, n)
        if found is None:
            found = self._catalog.npgettext(context, singular, plural, n)
        return self._checked(found, (singular, plural), spanish)

    def _checked(self, found: str, sources: Sequence[str], spanish: str) -> str:
        if not found:
            return spanish
        if found in sources:
            return found
        problem = placeholder_problem(sources, found)
        if problem is None:
            return found
        if found not in self._reported:
            self._reported.add(found)
            log.error("%s: translation of %r not used: it %s", self.code, sources[0], problem)
        return spanish


def load_translator(code: str, directory: Path = LOCALES_DIR) -> Translator:
    """A Translator read from disk now; a broken catalog gives Spanish and an error log."""
    try:
        compiled = catalog_bytes(code, directory)
        return Translator(code, compiled)
    except Exception:
        log.exception("catalog for %r could not be loaded; using Spanish", code)
        return Translator(code)


@functools.cache
def translator(code: str) -> Translator:
    """The process-wide Translator for a supported language, loaded on first use."""
    language(code)
    return load_translator(code)
