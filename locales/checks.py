"""What `python -m locales.manage check` (and the test suite) hold the catalogs to."""

from __future__ import annotations

import gettext
import re
import tempfile
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo

from locales.catalogs import DOMAIN, LOCALES_DIR, po_path
from locales.languages import LANGUAGES, SOURCE_LANGUAGE, Language, is_supported
from locales.placeholders import placeholder_problem
from locales.review import is_translated, read_catalog
from locales.tooling import extract, read_template
from locales.voice import key_of_file, ogg_opus_problem, voice_dir

COMPLETE_LANGUAGES = ("es", "en")

# Babel's reader forgives some hand-editing slips (a missing closing quote silently
# drops the last character), so every entry line is checked against the PO grammar.
_PO_LINE = re.compile(
    r'(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"\s*'
)


def code_template() -> Catalog:
    """Every message the code and templates use, extracted now."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / f"{DOMAIN}.pot"
        extract(output)
        return read_template(output)


def problems(directory: Path = LOCALES_DIR, template: Catalog | None = None) -> list[str]:
    """Everything wrong with the catalogs under `directory`; empty when all is well.

    `template` defaults to a fresh extraction from the code.
    """
    found = []
    if template is None:
        try:
            template = code_template()
        except Exception as error:  # a template syntax error, an unreadable file, ...
            found.append(f"extraction failed: {error!r}")
            template = Catalog()
    found += [
        f"{path.parent.parent.name}: catalog for a language missing from LANGUAGES"
        for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        if not is_supported(path.parent.parent.name)
    ]
    for lang in LANGUAGES:
        found.extend(f"{lang.code}: {p}" for p in _catalog_problems(lang, directory, template))
        found.extend(f"{lang.code}: {p}" for p in voice_problems(lang.code, directory))
    return found


def voice_problems(code: str, directory: Path = LOCALES_DIR) -> list[str]:
    """What is wrong with the recorded voice prompts in ``<code>/voice/``."""
    folder = voice_dir(code, directory)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        name = f"voice/{path.name}"
        if key_of_file(path) is None:
            found.append(
                f"{name}: not named <key>.ogg (a voice key of a-z 0-9 _ -, "
                "with '.' where the key has ':')"
            )
        elif problem := ogg_opus_problem(path.read_bytes()):
            found.append(f"{name}: {problem}")
    return found


def _catalog_problems(lang: Language, directory: Path, template: Catalog) -> list[str]:
    path = po_path(lang.code, directory)
    if not path.exists():
        return ["no catalog (run `python -m locales.manage init` for it)"]
    if bad := _syntax_problems(path):
        return bad
    try:
        catalog = read_catalog(lang.code, directory)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        gettext.GNUTranslations(BytesIO(compiled.getvalue()))
    except Exception as error:
        return [f"does not compile: {error}"]
    found = []
    if catalog.fuzzy:
        found.append("the catalog header is marked fuzzy, so pybabel compile would skip it")
    for message, errors in catalog.check():
        found.extend(f"{message.id!r}: {error}" for error in errors)
    messages = [m for m in catalog if m.id]
    for message in messages:
        found.extend(_message_problems(lang, message))
    for wanted in template:
        if wanted.id and catalog.get(wanted.id, context=wanted.context) is None:
            found.append(f"{_key(wanted)} is missing (run `python -m locales.manage update`)")
    return found


def _syntax_problems(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        f"line {number}: not valid PO syntax: {line.strip()!r}"
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.startswith("#") and not _PO_LINE.fullmatch(line.strip())
    ]


def _message_problems(lang: Language, message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    sources = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    if lang.code == SOURCE_LANGUAGE:
        if any(strings):
            return [f"{_key(message)}: leave Spanish msgstr empty (the text lives in the code)"]
        return []
    if lang.code in COMPLETE_LANGUAGES and (message.fuzzy or not is_translated(message)):
        return [f"{_key(message)} is {'fuzzy' if message.fuzzy else 'untranslated'}"]
    if message.fuzzy:
        return []  # not used at runtime; reviewed when the fuzzy flag is cleared
    return [
        f"{_key(message)}: the translation {problem}"
        for text in strings
        if text and (problem := placeholder_problem(sources, text))
    ]


def _key(message: Message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context!r}|{msgid!r}" if message.context else repr(msgid)
