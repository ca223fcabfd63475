"""How triage reads a word: the same folding for the terms and for the text.

- case, accents and apostrophes do not count ("SUICIDIO", "suicidío", "k'aslem");
- punctuation and emoji separate words, and a mark that ends a clause (. , ; : ! ?
  or a new line) is remembered, so that "No, me quiero morir" is not read as a
  negation of "me quiero morir";
- repeated letters collapse ("ayudaaa" is "ayuda");
- texting spellings fold together ("kiero" is "quiero", "q" is "que", "xq" is
  "porque", "toy" is "estoy", "m4tarme" is "matarme", c/s/z, b/v, y/ll and a silent h).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_TEXT = 20_000
"""Only the start of a longer text is read (a message is stored up to 10 000)."""

_APOSTROPHES = str.maketrans("", "", "'’ʼ`´‘")
_TOKEN = re.compile(r"[^\W_]+|[@$]+")
_CLAUSE_END = re.compile(r"[.,;:!?¡¿\n]")
_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "0": "o", "5": "s", "$": "s"})
_ABBREVIATIONS = {
    "q": "que",
    "k": "que",
    "ke": "que",
    "xq": "porque",
    "xk": "porque",
    "pq": "porque",
    "pk": "porque",
    "porq": "porque",
    "x": "por",
    "d": "de",
    "m": "me",
    "tb": "tambien",
    "tmb": "tambien",
    "n": "en",
    "pa": "para",
    "pal": "al",
    "toy": "estoy",
    "stoy": "estoy",
    "sta": "esta",
    "tas": "estas",
    "ta": "esta",
    "aki": "aqui",
    "dnd": "donde",
    "nd": "nada",
    "nadien": "nadie",
    "mxo": "mucho",
    "bn": "bien",
    "kn": "con",
    "cn": "con",
    "vdd": "verdad",
    "xfa": "porfa",
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
    # Each step only where it can change something: triage folds every word of every
    # text, and most words are letters only, with no "c", "g" or "h".
    word = _ABBREVIATIONS.get(token, token)
    letters = word.isalpha()
    if letters or any(ch.isalpha() for ch in word):
        if not letters:
            word = word.translate(_LEET)
        word = word.replace("qu", "k")
        if "c" in word:
            word = _SOFT_C.sub("s", word)
        if "g" in word:
            word = _SOFT_G.sub("j", word)
        if "c" in word:
            word = word.replace("ch", "\x01").replace("c", "k").replace("\x01", "ch")
        word = word.replace("z", "s").replace("v", "b").replace("ll", "y").replace("y", "i")
        if "h" in word:
            word = _SILENT_H.sub("", word)
    return _REPEATS.sub(r"\1", word) if _REPEATS.search(word) else word


@dataclass(frozen=True, slots=True)
class Words:
    """The folded words of a text, and where a clause ends before a word."""

    words: tuple[str, ...]
    breaks: frozenset[int]
    """Indexes of the words that a clause mark (. , ; ! ? or a new line) comes before."""


def read_words(text: str) -> Words:
    plain = _strip_marks(text[:MAX_TEXT]).translate(_APOSTROPHES)
    words: list[str] = []
    breaks: set[int] = set()
    last = 0
    pending_break = False
    for token in _TOKEN.finditer(plain):
        if _CLAUSE_END.search(plain, last, token.start()):
            pending_break = True
        last = token.end()
        word = fold_word(token.group())
        if not word:
            continue
        if pending_break:
            breaks.add(len(words))
            pending_break = False
        words.append(word)
    return Words(tuple(words), frozenset(breaks))


def words_of(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return list(read_words(text).words)


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


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
