"""Fitting text into WhatsApp's short fields without breaking a character.

WhatsApp counts a reply button title (20), a list row title (24) and so on in
characters, but does not say whether an emoji counts as one or two. We count UTF-16
code units, the stricter of the two readings (an emoji outside the Basic Multilingual
Plane counts 2, a ZWJ family counts every part), so what fits here fits there.

A text that is too long is cut at a word boundary and ends with "…". The cut never
falls inside a user-perceived character: a base letter keeps its accents, an emoji
keeps its variation selector, skin tone, keycap and every ZWJ-joined part, and a flag
keeps both regional indicators. The segmentation is a small subset of Unicode's
grapheme cluster rules (UAX #29), enough for the text a chat carries.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
ZWJ = "\u200d"
_TRAILING_JUNK = " \t\n,;:·-–—/|"


def utf16_length(text: str) -> int:
    """The length of ``text`` as WhatsApp may count it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int) -> bool:
    return utf16_length(text) <= limit


def _is_extender(char: str) -> bool:
    """A code point that belongs to the cluster before it."""
    code = ord(char)
    if char == ZWJ:
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF:  # skin tone modifiers
        return True
    if 0xE0020 <= code <= 0xE007F:  # tag characters (subdivision flags)
        return True
    return unicodedata.category(char) in ("Mn", "Me", "Mc")  # accents, keycap, ...


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """``text`` split into user-perceived characters (an approximation of UAX #29)."""
    clusters: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        start = index
        if text[index] == "\r" and index + 1 < length and text[index + 1] == "\n":
            clusters.append("\r\n")
            index += 2
            continue
        if _is_regional_indicator(text[index]):
            index += 1
            if index < length and _is_regional_indicator(text[index]):
                index += 1  # a flag is a pair
        else:
            index += 1
        while index < length:
            char = text[index]
            if char == ZWJ:
                index += 1
                if index < length:  # the joined part belongs to the same cluster
                    index += 1
                continue
            if _is_extender(char):
                index += 1
                continue
            break
        clusters.append(text[start:index])
    return clusters


def prefix_within(text: str, limit: int) -> str:
    """The longest prefix of ``text`` made of whole characters that fits ``limit``."""
    used = 0
    end = 0
    for cluster in graphemes(text):
        size = utf16_length(cluster)
        if used + size > limit:
            break
        used += size
        end += len(cluster)
    return text[:end]


def _at_boundary(head: str, room: int, separators: str, rest: str = "") -> str:
    """``head`` shortened to its last separator, if that keeps half of ``room``;
    unchanged when it already ends a word (``rest``, what follows, starts with one)."""
    if rest[:1] in tuple(separators) and rest:
        return head
    boundary = max(head.rfind(sep) for sep in separators)
    if boundary > 0 and utf16_length(head[:boundary]) >= room // 2:
        return head[:boundary]
    return head


def cut(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` unchanged if it fits ``limit``, else cut cleanly and ended with "…".

    One line (these fields show no line breaks). The cut prefers the last word
    boundary that keeps at least half of the room, and otherwise falls between two
    whole characters.
    """
    return _cut(" ".join(text.split()), limit, ellipsis, " ")


def cut_block(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """Like ``cut`` for a body of text: line breaks are kept."""
    return _cut(text, limit, ellipsis, " \n")


def _cut(text: str, limit: int, ellipsis: str, breaks: str) -> str:
    """``text`` if it fits, else cut at one of ``breaks`` (see ``cut``) and ended with
    ``ellipsis``."""
    if fits(text, limit):
        return text
    room = limit - utf16_length(ellipsis)
    if room <= 0:
        return ellipsis if fits(ellipsis, limit) else ""
    head = prefix_within(text, room)
    head = _at_boundary(head, room, breaks, text[len(head) :]).rstrip(_TRAILING_JUNK)
    return head + ellipsis


def split_block(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit``, split at line ends or spaces where
    possible and never inside a character. Nothing is dropped but the spaces at the
    splits."""
    text = text.strip()
    pieces: list[str] = []
    while text and not fits(text, limit):
        head = prefix_within(text, limit)
        rest = text[len(head) :]
        newline = head.rfind("\n")
        if rest[:1] == "\n":
            pass
        elif newline > 0 and utf16_length(head[:newline]) >= limit // 2:
            head = head[:newline]
        else:
            head = _at_boundary(head, limit, " ", rest)
        if not head:  # a single character wider than the limit: nothing fits
            head = graphemes(text)[0]
        pieces.append(head.rstrip())
        text = text[len(head) :].strip()
    if text:
        pieces.append(text)
    return pieces
