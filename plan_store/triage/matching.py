"""Matching parsed terms against a text: deterministic and fast (no network).

- a word of 6 letters or more (after folding) also matches one typo of it, as long
  as the last two letters agree ("matarte" is not "matarme");
- between two words of a phrase, up to ``MAX_GAP`` other words may stand ("me quiero
  ya morir"); a clause mark between them ends the phrase;
- a term preceded by a negation in the same clause ("no me quiero matar") still
  counts, at ``NEGATED`` severity: worth a look, never an alarm;
- an ``a + b`` term counts when every side is found anywhere in the message, in any
  order (a means and an intent, an adult of the house and what they do);
- the words of an ``[ignore]`` idiom ("me muero de hambre") never count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plan_store.enums import FlagCategory, Severity
from plan_store.triage.folding import deletions, fold_word, read_words, within_one
from plan_store.triage.terms import Phrase, Rules, Term

MAX_GAP = 2
"""Other words allowed between two consecutive words of a phrase."""
FUZZY_MIN_TERM = 6
FUZZY_MIN_WORD = 5
NEGATORS = frozenset(
    fold_word(w) for w in ("no", "nunca", "jamás", "ni", "tampoco", "not", "never", "dont")
)
BETWEEN_NEGATION = frozenset(
    fold_word(w) for w in ("me", "te", "lo", "la", "le", "les", "los", "las", "ya")
)
"""Short words that may stand between a negation and what it negates."""
NEGATED = Severity.LOW
STILL_A_LOOK = frozenset(
    {FlagCategory.SELF_HARM, FlagCategory.VIOLENCE_ABUSE, FlagCategory.TRAFFICKING}
)
"""Categories where a negated term still raises a flag (at ``NEGATED``): "no me
quiero matar" is worth a look; "no me voy a escapar" is not risk."""


@dataclass(frozen=True, slots=True)
class Risk:
    """The strongest match of one category in a text."""

    category: FlagCategory
    severity: Severity
    term: str
    """The term as written in its file (for tests and logs; never shown or stored)."""


@dataclass(frozen=True, slots=True)
class Reading:
    risks: list[Risk]
    negated: frozenset[FlagCategory]
    """Categories whose terms were all negated ("no me voy a escapar"): not risk, and
    nothing else (the model) may raise them for this text."""
    plain: tuple[str, ...] = ()
    """The folded words of the text that no ``[ignore]`` idiom covers."""


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    negated: bool


Keys = Sequence[frozenset[str] | None]


class Matcher:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._exact: set[str] = set()
        self._prefixes: set[str] = set()
        self._typos: dict[str, set[str]] = {}
        phrases = [p for t in rules.terms for side in t.sides for p in side]
        slot_words = [key for members in rules.slots.values() for key in members]
        for key in [*(k for p in [*phrases, *rules.ignores] for k in p.keys), *slot_words]:
            kind, word = key[:2], key[2:]
            if kind == "p:":
                self._prefixes.add(word)
            elif kind == "w:":
                self._exact.add(word)
                if len(word) >= FUZZY_MIN_TERM:
                    for variant in {word, *deletions(word)}:
                        self._typos.setdefault(variant, set()).add(word)
        self._phrases_by_first = _index(phrases)
        self._ignores_by_first = _index(rules.ignores)
        self._terms_by_phrase: dict[tuple[str, ...], list[int]] = {}
        for number, each in enumerate(rules.terms):
            for first in each.sides[0]:
                self._terms_by_phrase.setdefault(first.keys, []).append(number)
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
            for variant in (word, *deletions(word)):
                candidates.update(self._typos.get(variant, ()))
            keys.update("w:" + c for c in candidates if c[-2:] == word[-2:] and within_one(word, c))
        keys.update(slot for slot, members in self.rules.slots.items() if keys & members)
        result = frozenset(keys)
        if len(self._cache) < 50_000:
            self._cache[word] = result
        return result

    def triage(self, text: str) -> list[Risk]:
        """The strongest risk per category found in ``text``, most severe first."""
        return self.read(text).risks

    def read(self, text: str) -> Reading:
        """The risks in ``text``, and the categories only found negated."""
        read = read_words(text)
        words = read.words
        if not words:
            return Reading([], frozenset(), ())
        keys: list[frozenset[str] | None] = [self.keys_of(w) for w in words]
        ignored = self._matches(keys, read.breaks, self._ignores_by_first, gap=MAX_GAP)
        for positions, _ in list(ignored):
            for position in positions:
                keys[position] = None
        found: dict[tuple[str, ...], list[_Found]] = {}
        for positions, each in self._matches(
            keys, read.breaks, self._phrases_by_first, gap=MAX_GAP
        ):
            start, end = positions[0], positions[-1]
            denied = _negated(words, read.breaks, start)
            found.setdefault(each.keys, []).append(_Found(start, end, denied))
        plain = tuple(w for w, k in zip(words, keys, strict=True) if k is not None)
        if not found:  # no phrase of any term: most texts; only the model may read them
            return Reading([], frozenset(), plain)
        _spread_negation(found)
        best: dict[FlagCategory, tuple[Severity, Term]] = {}
        only_negated: set[FlagCategory] = set()
        candidates = sorted({n for keys in found for n in self._terms_by_phrase.get(keys, ())})
        for term in (self.rules.terms[n] for n in candidates):
            present, denied = _presence(term, found, len(words))
            severity = _severity(term, denied) if present else None
            if severity is None:
                if present:
                    only_negated.add(term.category)
                continue
            held = best.get(term.category)
            if held is None or severity.rank < held[0].rank:
                best[term.category] = (severity, term)
        risks = [Risk(c, severity, t.text) for c, (severity, t) in best.items()]
        risks.sort(key=lambda r: (r.severity.rank, r.category.value))
        return Reading(risks, frozenset(only_negated - best.keys()), plain)

    def _matches(
        self, keys: Keys, breaks: frozenset[int], index: _Index, *, gap: int
    ) -> Iterable[tuple[list[int], Phrase]]:
        # A phrase whose other words are not all in the text cannot match: most of the
        # phrases that start with a common word ("me", "a") are skipped on that alone,
        # a group of them at a time (``_Starting``).
        present = frozenset().union(*(here for here in keys if here))
        for start, here in enumerate(keys):
            if not here:
                continue
            for key in here:
                starting = index.get(key)
                if starting is None:
                    continue
                for each in starting.alone:
                    yield [start], each
                for group in starting.groups_in(present):
                    for each, others in group:
                        if not others <= present:
                            continue
                        positions = _follow(keys, breaks, start, each.keys, gap)
                        if positions is not None:
                            yield positions, each


def _presence(
    term: Term, found: dict[tuple[str, ...], list[_Found]], length: int
) -> tuple[bool, bool]:
    """Whether ``term`` is in a text, and whether negated."""
    negated = False
    for side in term.sides:
        hits = [hit for each in side for hit in found.get(each.keys, ())]
        if term.whole:
            hits = [h for h in hits if h.start == 0 and h.end == length - 1]
            hits = [h for h in hits if h.end - h.start + 1 == len(side[0].keys)]
        if not hits:
            return False, False
        negated = negated or all(hit.negated for hit in hits)
    return True, negated


def _severity(term: Term, negated: bool) -> Severity | None:
    """The severity a present ``term`` counts at; None when its negation drops it."""
    if not negated:
        return term.severity
    if term.category not in STILL_A_LOOK or term.severity is NEGATED:
        return None
    return NEGATED if term.severity.rank < NEGATED.rank else term.severity


def _spread_negation(found: dict[tuple[str, ...], list[_Found]]) -> None:
    """A match inside a negated one is negated too: in "nunca me voy a suicidar",
    ``suicid*`` as well as ``me voy a suicidar``."""
    spans = [(h.start, h.end) for hits in found.values() for h in hits if h.negated]
    if not spans:
        return
    for hits in found.values():
        for index, hit in enumerate(hits):
            if not hit.negated and any(s <= hit.start and hit.end <= e for s, e in spans):
                hits[index] = _Found(hit.start, hit.end, True)


def _negated(words: Sequence[str], breaks: frozenset[int], start: int) -> bool:
    """A negation right before ``start`` in its clause ("no me quiero matar"), or with
    a short word between ("no ya me...", "nunca lo...")."""
    if start < 1 or start in breaks:
        return False
    if words[start - 1] in NEGATORS:
        return True
    return (
        start >= 2
        and start - 1 not in breaks
        and words[start - 1] in BETWEEN_NEGATION
        and words[start - 2] in NEGATORS
    )


@dataclass(frozen=True, slots=True)
class _Starting:
    """The phrases that start with one word: the one-word ones, and the longer ones
    with the set of their other words, grouped by one of those (the one fewest
    phrases have), which the text must hold for any phrase of the group to match."""

    alone: tuple[Phrase, ...]
    by_other: dict[str, tuple[tuple[Phrase, frozenset[str]], ...]]

    def groups_in(self, present: frozenset[str]) -> list[tuple[tuple[Phrase, frozenset[str]], ...]]:
        """The groups whose word is among the ``present`` ones."""
        groups = self.by_other
        if len(groups) <= len(present):
            return [group for word, group in groups.items() if word in present]
        return [group for word in present if (group := groups.get(word)) is not None]


_Index = dict[str, _Starting]


def _index(phrases: Iterable[Phrase]) -> _Index:
    """The phrases by their first word (each phrase once)."""
    unique: dict[tuple[str, ...], Phrase] = {}
    for each in phrases:
        unique.setdefault(each.keys, each)
    seen_in = Counter(key for keys in unique for key in set(keys[1:]))
    alone: dict[str, list[Phrase]] = {}
    by_other: dict[str, dict[str, list[tuple[Phrase, frozenset[str]]]]] = {}
    for keys, each in unique.items():
        alone.setdefault(keys[0], [])
        groups = by_other.setdefault(keys[0], {})
        others = frozenset(keys[1:])
        if not others:
            alone[keys[0]].append(each)
            continue
        rarest = min(others, key=lambda key: (seen_in[key], key))
        groups.setdefault(rarest, []).append((each, others))
    return {
        first: _Starting(
            tuple(alone[first]),
            {word: tuple(group) for word, group in by_other[first].items()},
        )
        for first in alone
    }


def _follow(
    keys: Keys, breaks: frozenset[int], start: int, wanted: tuple[str, ...], gap: int
) -> list[int] | None:
    """The positions of the phrase ``wanted`` if it matches from ``start``; None if it
    does not. Words in a gap never cross a clause mark."""
    positions = [start]
    for key in wanted[1:]:
        for step in range(1, gap + 2):
            at = positions[-1] + step
            if at >= len(keys) or (step > 1 and (at - 1 in breaks or at in breaks)):
                return None
            candidate = keys[at]
            if candidate is not None and key in candidate:
                positions.append(at)
                break
        else:
            return None
    return positions
