"""The one reader of risk terms: the files in ``locales/triage/`` and the terms staff add.

The format is in ``locales/triage/README.md``. A file is read into ``Rules`` (for
matching) and into its sections as written (for the console's read-only listing);
a term staff add in the console is read as one line under ``[category severity]``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import locales
from locales.languages import is_supported
from plan_store.enums import FlagCategory, Severity
from plan_store.triage.folding import words_of

log = logging.getLogger(__name__)

TRIAGE_DIR = Path(locales.__file__).resolve().parent / "triage"
ALWAYS = "es"
"""The language whose terms are read in every chat, whatever its language."""

CATEGORIES: dict[str, FlagCategory] = {
    "self_harm": FlagCategory.SELF_HARM,
    "violence_abuse": FlagCategory.VIOLENCE_ABUSE,
    "trafficking": FlagCategory.TRAFFICKING,
    "running_away": FlagCategory.RUNNING_AWAY,
    "health": FlagCategory.HEALTH,
    "distress": FlagCategory.OTHER,
}
SEVERITIES: dict[str, Severity] = {s.value: s for s in Severity}
IGNORE = "ignore"
KNOWN_WORDS = "known-words"
GROUP = "group"
MIN_PREFIX = 3
_GROUP_NAME = re.compile(r"\w+")


class TriageFileError(ValueError):
    """A terms file that does not follow the format; names the file and line."""


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in order. Per word: ``"w:<folded>"`` (the word, or a typo of it) or
    ``"p:<folded>"`` (any word starting so)."""

    keys: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Term:
    """What raises a risk: every side found in the message (a side is found when any
    of its phrases is). A plain line is one side of one phrase; ``a + b`` is two
    sides; ``@name`` is a side made of a group's phrases."""

    sides: tuple[tuple[Phrase, ...], ...]
    whole: bool
    category: FlagCategory
    severity: Severity
    text: str


@dataclass(frozen=True, slots=True)
class FileSection:
    """One ``[...]`` section as written: a category and severity, ``ignore``,
    ``known-words`` or ``group NAME``, and its lines (comments left out)."""

    header: str
    lines: tuple[str, ...]

    @property
    def category(self) -> str | None:
        parts = self.header.split()
        return parts[0] if len(parts) == 2 and parts[0] != GROUP else None

    @property
    def severity(self) -> str | None:
        parts = self.header.split()
        return parts[1] if len(parts) == 2 and parts[0] != GROUP else None


@dataclass(slots=True)
class Rules:
    """Parsed terms of one or more files, ready to match."""

    terms: list[Term] = field(default_factory=list)
    ignores: list[Phrase] = field(default_factory=list)
    known_words: set[str] = field(default_factory=set)
    sections: list[FileSection] = field(default_factory=list)
    slots: dict[str, frozenset[str]] = field(default_factory=dict)
    """``"g:<file>/<group>"`` -> the keys of its words: a group of single words used
    as one word of a phrase (``@querer @morir``)."""

    def extend(self, other: Rules) -> None:
        self.terms.extend(other.terms)
        self.ignores.extend(other.ignores)
        self.known_words.update(other.known_words)
        self.slots.update(other.slots)


def phrase(
    text: str, where: str, groups: dict[str, list[Phrase]] | None = None, rules: Rules | None = None
) -> Phrase:
    """One phrase of words, each folded; ``TriageFileError`` if a word is not one. A
    word ``@name`` stands for any word of a group of single words (a slot, kept in
    ``rules.slots``)."""
    keys: list[str] = []
    for raw in text.split():
        if raw.startswith("@"):
            keys.append(_slot(raw[1:], where, groups, rules))
            continue
        prefix = raw.endswith("*")
        folded = words_of(raw.rstrip("*"))
        if len(folded) != 1:
            raise TriageFileError(f"{where}: {raw!r} is not one word")
        if prefix and len(folded[0]) < MIN_PREFIX:
            raise TriageFileError(
                f"{where}: the prefix {raw!r} is too short ({MIN_PREFIX} letters at least)"
            )
        keys.append(("p:" if prefix else "w:") + folded[0])
    if not keys:
        raise TriageFileError(f"{where}: empty term")
    return Phrase(tuple(keys), text)


def _slot(
    name: str, where: str, groups: dict[str, list[Phrase]] | None, rules: Rules | None
) -> str:
    if groups is None or rules is None or name not in groups:
        raise TriageFileError(f"{where}: no [group {name}] before this line")
    members = groups[name]
    if any(len(each.keys) != 1 for each in members):
        raise TriageFileError(f"{where}: @{name} inside a phrase needs a group of single words")
    key = f"g:{where.split(':', 1)[0]}/{name}"
    rules.slots[key] = frozenset(each.keys[0] for each in members)
    return key


def term(
    line: str,
    category: FlagCategory,
    severity: Severity,
    where: str,
    groups: dict[str, list[Phrase]] | None = None,
    rules: Rules | None = None,
) -> Term:
    """One line under ``[category severity]``."""
    text = line.strip()
    whole = text.startswith("=")
    if whole:
        text = text[1:].strip()
    sides: list[tuple[Phrase, ...]] = []
    for side in text.split(" + ") if " + " in f" {text} " else [text]:
        side = side.strip()
        if side.startswith("@") and " " not in side:
            name = side[1:]
            if groups is None or name not in groups:
                raise TriageFileError(f"{where}: no [group {name}] before this line")
            sides.append(tuple(groups[name]))
        else:
            sides.append((phrase(side, where, groups, rules),))
    if whole and len(sides) > 1:
        raise TriageFileError(f"{where}: '=' and '+' do not go together")
    return Term(tuple(sides), whole, category, severity, text)


def parse(text: str, name: str = "<terms>") -> Rules:
    """Read one terms file; ``TriageFileError`` on anything outside the format."""
    rules = Rules()
    groups: dict[str, list[Phrase]] = {}
    written: dict[str, list[str]] = {}
    section: str | None = None
    lines: list[str] = []
    category: FlagCategory | None = None
    severity: Severity | None = None
    group: str | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        line = raw_line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise TriageFileError(f"{where}: a section is written [category severity]")
            parts = line[1:-1].split()
            header = " ".join(parts)
            if parts in ([IGNORE], [KNOWN_WORDS]):
                section, category, severity = parts[0], None, None
            elif len(parts) == 2 and parts[0] == GROUP and _GROUP_NAME.fullmatch(parts[1]):
                section, group = GROUP, parts[1]
                groups.setdefault(group, [])
            elif len(parts) == 2 and parts[0] in CATEGORIES and parts[1] in SEVERITIES:
                section = "terms"
                category, severity = CATEGORIES[parts[0]], SEVERITIES[parts[1]]
            else:
                raise TriageFileError(
                    f"{where}: unknown section {line}; use [category severity] with a "
                    f"category of {sorted(CATEGORIES)} and a severity of {sorted(SEVERITIES)}, "
                    f"or [{IGNORE}], [{KNOWN_WORDS}] or [{GROUP} name]"
                )
            lines = written.setdefault(header, [])
            continue
        if section is None:
            raise TriageFileError(f"{where}: a term before any section")
        lines.append(line)
        if section == KNOWN_WORDS:
            for word in line.split():
                rules.known_words.update(words_of(word))
        elif section == GROUP:
            assert group is not None
            if line.startswith("=") or " + " in line or line.startswith("@"):
                raise TriageFileError(f"{where}: a group lists plain phrases")
            groups[group].append(phrase(line, where))
        elif section == IGNORE:
            if line.startswith("="):
                raise TriageFileError(f"{where}: '=' has no meaning in [{IGNORE}]")
            rules.ignores.append(phrase(line, where, groups, rules))
        else:
            assert category is not None and severity is not None
            rules.terms.append(term(line, category, severity, where, groups, rules))
    rules.sections = [FileSection(h, tuple(each)) for h, each in written.items() if each]
    return rules


def read_file(path: Path) -> Rules:
    return parse(path.read_text(encoding="utf-8"), path.name)


def terms_file(code: str, directory: Path = TRIAGE_DIR) -> Path | None:
    """The file of ``code``'s terms, if the language is supported and has one."""
    if not is_supported(code):
        return None
    path = directory / f"{code}.txt"
    return path if path.is_file() else None


@functools.cache
def file_rules(code: str) -> Rules:
    """``code``'s file, parsed once; a missing or broken file reads as empty (logged),
    so that one broken file never silences the others (Spanish is always read)."""
    path = terms_file(code)
    if path is None:
        return Rules()
    try:
        return read_file(path)
    except (OSError, UnicodeDecodeError, TriageFileError):
        log.exception("risk terms in %s not loaded", path)
        return Rules()


def file_sections(code: str) -> list[FileSection]:
    """The sections of ``code``'s file as written, for staff to read."""
    return [FileSection(s.header, s.lines) for s in file_rules(code).sections]


StaffTerm = tuple[str, str, str]
"""A term staff added in the console: its category (a section name of the files, such
as ``"distress"``), its severity and its words, as a line of a file would have them."""


def staff_term(category: str, severity: str, line: str) -> Term:
    """A staff term read as a line under ``[category severity]``; ``TriageFileError``
    when it does not follow the format."""
    if category not in CATEGORIES or severity not in SEVERITIES:
        raise TriageFileError(f"staff term: no section [{category} {severity}]")
    return term(line, CATEGORIES[category], SEVERITIES[severity], "staff term")


def staff_rules(terms: Iterable[StaffTerm]) -> Rules:
    """Staff's terms. One that does not follow the format is logged and skipped: the
    others, and the files, still work."""
    rules = Rules()
    for category, severity, line in terms:
        try:
            rules.terms.append(staff_term(category, severity, line))
        except TriageFileError:
            log.warning("a staff risk term was skipped: it does not follow the format")
    return rules
