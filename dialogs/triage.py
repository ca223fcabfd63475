"""Risk triage of what an adolescent writes: self-harm, violence and abuse,
trafficking and exploitation, running away, health, and plain distress.

The terms live in ``locales/triage/<lang>.txt`` (format: ``locales/triage/README.md``),
and staff add more in the console (``plan_store.services.triage_terms``), which the
caller passes in as ``extra``. A chat is triaged with the terms of its language plus
the Spanish ones, always.

Matching is deterministic and fast (no model, no network): both the terms and the
text go through the same folding, so a term matches however it is typed:

- case, accents and apostrophes do not count ("SUICIDIO", "suicidío", "k'aslem");
- punctuation and emoji separate words;
- repeated letters collapse ("ayudaaa" is "ayuda");
- common texting spellings fold together ("kiero" is "quiero", "q" is "que",
  "m4tarme" is "matarme", c/s/z, b/v, y/ll and a silent h);
- a longer word may carry one typo (one letter changed, added, dropped, or two
  swapped) in its stem: the last two letters must agree, so that "matarte" is not
  read as "matarme" nor "lastimé" as "lastimo";
- between two words of a term, one other word may stand ("me quiero ya morir").

Idioms that sound like risk but are not ("me muero de risa") are listed in the
files' ``[ignore]`` section: the words they cover never count.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import locales
from plan_store.enums import FlagCategory, Severity

log = logging.getLogger(__name__)

TRIAGE_DIR = Path(locales.__file__).resolve().parent / "triage"
ALWAYS = "es"
MAX_GAP = 1
"""Other words allowed between two consecutive words of a term."""
MAX_TEXT = 20_000
"""Only the start of a longer text is read (a message is stored up to 10 000)."""
FUZZY_MIN_TERM = 6
FUZZY_MIN_WORD = 5

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


class TriageFileError(ValueError):
    """A terms file that does not follow the format; names the file and line."""


@dataclass(frozen=True, slots=True)
class Risk:
    """The strongest match of one category in a text."""

    category: FlagCategory
    severity: Severity
    term: str
    """The term as written in its file (for tests and logs; never shown or stored)."""


# --- folding ------------------------------------------------------------------------

_APOSTROPHES = str.maketrans("", "", "'’ʼ`´‘")
_TOKEN = re.compile(r"[^\W_]+|[@$]+")
_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "0": "o", "5": "s", "$": "s"})
_ABBREVIATIONS = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "x": "por",
    "d": "de",
    "tb": "tambien",
    "tmb": "tambien",
    "n": "en",
}
_SOFT_C = re.compile(r"c(?=[ei])")
_SOFT_G = re.compile(r"g(?=[ei])")
_SILENT_H = re.compile(r"(?<!c)h")
_REPEATS = re.compile(r"(.)\1+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_word(token: str) -> str:
    """One token as triage compares it (see the module docstring)."""
    word = _ABBREVIATIONS.get(token, token)
    if any(ch.isalpha() for ch in word):
        word = word.translate(_LEET)
        word = word.replace("qu", "k")
        word = _SOFT_C.sub("s", word)
        word = _SOFT_G.sub("j", word)
        word = word.replace("ch", "\x01").replace("c", "k").replace("\x01", "ch")
        word = word.replace("z", "s").replace("v", "b").replace("ll", "y").replace("y", "i")
        word = _SILENT_H.sub("", word)
    return _REPEATS.sub(r"\1", word)


def words_of(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    plain = _strip_marks(text[:MAX_TEXT]).translate(_APOSTROPHES)
    folded = (fold_word(token) for token in _TOKEN.findall(plain))
    return [word for word in folded if word]


def within_one(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` with at most one edit (adjacent swaps count as one)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


# --- the rules ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Term:
    keys: tuple[str, ...]
    """Per word: ``"w:<folded>"`` (the word, or a typo of it) or ``"p:<folded>"`` (a prefix)."""
    whole: bool
    category: FlagCategory
    severity: Severity
    text: str


@dataclass(slots=True)
class Rules:
    """Parsed terms of one or more files, ready to match."""

    terms: list[_Term] = field(default_factory=list)
    ignores: list[_Term] = field(default_factory=list)
    known_words: set[str] = field(default_factory=set)

    def extend(self, other: Rules) -> None:
        self.terms.extend(other.terms)
        self.ignores.extend(other.ignores)
        self.known_words.update(other.known_words)


def _keys(phrase: str, where: str) -> tuple[str, ...]:
    keys: list[str] = []
    for raw in phrase.split():
        prefix = raw.endswith("*")
        folded = words_of(raw.rstrip("*"))
        if len(folded) != 1:
            raise TriageFileError(f"{where}: {raw!r} is not one word")
        if prefix and len(folded[0]) < 3:
            raise TriageFileError(f"{where}: the prefix {raw!r} is too short (3 letters at least)")
        keys.append(("p:" if prefix else "w:") + folded[0])
    if not keys:
        raise TriageFileError(f"{where}: empty term")
    return tuple(keys)


def parse(text: str, name: str = "<terms>") -> Rules:
    """Read one terms file; ``TriageFileError`` on anything outside the format."""
    rules = Rules()
    section: str | None = None
    category: FlagCategory | None = None
    severity: Severity | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        line = raw_line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise TriageFileError(f"{where}: a section is written [category severity]")
            parts = line[1:-1].split()
            if parts in ([IGNORE], [KNOWN_WORDS]):
                section, category, severity = parts[0], None, None
            elif len(parts) == 2 and parts[0] in CATEGORIES and parts[1] in SEVERITIES:
                section = "terms"
                category, severity = CATEGORIES[parts[0]], SEVERITIES[parts[1]]
            else:
                raise TriageFileError(
                    f"{where}: unknown section {line}; use [category severity] with a "
                    f"category of {sorted(CATEGORIES)} and a severity of {sorted(SEVERITIES)}, "
                    f"or [{IGNORE}], or [{KNOWN_WORDS}]"
                )
            continue
        if section is None:
            raise TriageFileError(f"{where}: a term before any section")
        if section == KNOWN_WORDS:
            for word in line.split():
                rules.known_words.update(words_of(word))
            continue
        whole = line.startswith("=")
        phrase = line[1:].strip() if whole else line
        keys = _keys(phrase, where)
        if section == IGNORE:
            if whole:
                raise TriageFileError(f"{where}: '=' has no meaning in [{IGNORE}]")
            rules.ignores.append(_Term(keys, False, FlagCategory.OTHER, Severity.LOW, phrase))
            continue
        assert category is not None and severity is not None
        rules.terms.append(_Term(keys, whole, category, severity, phrase))
    return rules


def read_file(path: Path) -> Rules:
    return parse(path.read_text(encoding="utf-8"), path.name)


@functools.cache
def _file_rules(code: str) -> Rules:
    path = TRIAGE_DIR / f"{code}.txt"
    if not path.exists():
        return Rules()
    try:
        return read_file(path)
    except (OSError, UnicodeDecodeError, TriageFileError):
        # One broken file must not silence the others (Spanish is always read).
        log.exception("risk terms in %s not loaded", path)
        return Rules()


StaffTerm = tuple[str, str, str]
"""A term staff added in the console: its category (a section name of the files, such
as ``"distress"``), its severity and its words, as a line of a file would have them."""


def staff_rules(terms: Iterable[StaffTerm]) -> Rules:
    """Staff's terms, each read as a line under ``[category severity]`` in a file. One
    that does not follow the format is logged and skipped: the others, and the files,
    still work."""
    rules = Rules()
    for category, severity, phrase in terms:
        try:
            rules.terms.append(_staff_term(category, severity, phrase))
        except TriageFileError:
            log.warning("a staff risk term was skipped: it does not follow the format")
    return rules


def _staff_term(category: str, severity: str, phrase: str) -> _Term:
    if category not in CATEGORIES or severity not in SEVERITIES:
        raise TriageFileError(f"staff term: no section [{category} {severity}]")
    text = phrase.strip()
    whole = text.startswith("=")
    if whole:
        text = text[1:].strip()
    keys = _keys(text, "staff term")  # every word must be one word: "#" or "-" is not
    return _Term(keys, whole, CATEGORIES[category], SEVERITIES[severity], text)


@functools.lru_cache(maxsize=64)
def matcher_for(code: str, extra: tuple[StaffTerm, ...] = ()) -> Matcher:
    """The matcher for a chat in language ``code``: its terms and the Spanish ones,
    and ``extra`` (staff's terms for those languages). Kept per set of terms, so a
    term staff add or deactivate takes effect on the next message."""
    rules = Rules()
    for each in dict.fromkeys((ALWAYS, code)):
        rules.extend(_file_rules(each))
    if extra:
        rules.extend(staff_rules(extra))
    return Matcher(rules)


# --- matching -----------------------------------------------------------------------


class Matcher:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._exact: set[str] = set()
        self._prefixes: set[str] = set()
        self._typos: dict[str, set[str]] = {}
        for term in [*rules.terms, *rules.ignores]:
            for key in term.keys:
                kind, word = key[:2], key[2:]
                if kind == "p:":
                    self._prefixes.add(word)
                    continue
                self._exact.add(word)
                if len(word) >= FUZZY_MIN_TERM:
                    for variant in {word, *_deletions(word)}:
                        self._typos.setdefault(variant, set()).add(word)
        self._terms_by_first = _index(rules.terms)
        self._ignores_by_first = _index(rules.ignores)
        self._cache: dict[str, frozenset[str]] = {}

    def keys_of(self, word: str) -> frozenset[str]:
        """Every term word that ``word`` stands for."""
        found = self._cache.get(word)
        if found is not None:
            return found
        keys = {"w:" + word} if word in self._exact else set()
        keys.update("p:" + p for p in self._prefixes if word.startswith(p))
        if len(word) >= FUZZY_MIN_WORD and word not in self.rules.known_words:
            candidates: set[str] = set()
            for variant in (word, *_deletions(word)):
                candidates.update(self._typos.get(variant, ()))
            keys.update("w:" + c for c in candidates if c[-2:] == word[-2:] and within_one(word, c))
        result = frozenset(keys)
        if len(self._cache) < 50_000:
            self._cache[word] = result
        return result

    def triage(self, text: str) -> list[Risk]:
        """The strongest risk per category found in ``text``, most severe first."""
        words = words_of(text)
        if not words:
            return []
        keys: list[frozenset[str] | None] = [self.keys_of(w) for w in words]
        for start, term in self._matches(keys, self._ignores_by_first, gap=0):
            for position in range(start, start + len(term.keys)):
                keys[position] = None
        best: dict[FlagCategory, _Term] = {}
        for start, term in self._matches(keys, self._terms_by_first, gap=MAX_GAP):
            if term.whole and not _is_whole(keys, start, term):
                continue
            held = best.get(term.category)
            if held is None or term.severity.rank < held.severity.rank:
                best[term.category] = term
        risks = [Risk(t.category, t.severity, t.text) for t in best.values()]
        return sorted(risks, key=lambda r: (r.severity.rank, r.category.value))

    def _matches(
        self,
        keys: Sequence[frozenset[str] | None],
        index: dict[str, list[_Term]],
        *,
        gap: int,
    ) -> Iterable[tuple[int, _Term]]:
        for start, here in enumerate(keys):
            if not here:
                continue
            for key in here:
                for term in index.get(key, ()):
                    end = _follow(keys, start, term.keys, gap)
                    if end is not None:
                        yield start, term


def _index(terms: Iterable[_Term]) -> dict[str, list[_Term]]:
    index: dict[str, list[_Term]] = {}
    for term in terms:
        index.setdefault(term.keys[0], []).append(term)
    return index


def _follow(
    keys: Sequence[frozenset[str] | None], start: int, wanted: tuple[str, ...], gap: int
) -> int | None:
    """Where the term ``wanted`` ends if it matches from ``start``; None if it does not."""
    position = start
    for key in wanted[1:]:
        for step in range(1, gap + 2):
            candidate = keys[position + step] if position + step < len(keys) else None
            if candidate is not None and key in candidate:
                position += step
                break
        else:
            return None
    return position


def _is_whole(keys: Sequence[frozenset[str] | None], start: int, term: _Term) -> bool:
    """A whole-message term: its words are all the message has, in order."""
    if start != 0 or len(keys) != len(term.keys):
        return False
    return all(here is not None and key in here for here, key in zip(keys, term.keys, strict=True))


def triage(text: str, language: str, extra: Iterable[StaffTerm] = ()) -> list[Risk]:
    """The risks in ``text`` written in a chat of ``language``, most severe first.
    ``extra``: the active terms staff added for ``language`` and Spanish."""
    return matcher_for(language, tuple(extra)).triage(text)


def strongest(risks: Sequence[Risk]) -> Risk | None:
    return risks[0] if risks else None
