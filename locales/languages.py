"""The languages Rumbo speaks, each named in itself."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE_LANGUAGE = "es"


@dataclass(frozen=True, slots=True)
class Language:
    """A chat language.

    `code` names the catalog directory (`locales/<code>/`) and is what a chat stores.
    `babel_locale_for_formats` is the CLDR locale used for dates and numbers: CLDR has
    no usable data for the Mayan languages (quc exists but only with raw root
    patterns such as "2025 M03 12"), so they borrow Mexican Spanish formats while
    their words come from their own catalog.
    `needs_review` marks languages whose translations stay drafts until a native
    speaker signs each entry (see the review convention in `locales`).
    """

    code: str
    native_name: str
    babel_locale_for_formats: str = "es_MX"
    needs_review: bool = True


LANGUAGES: tuple[Language, ...] = (
    Language("es", "Español", "es_MX", needs_review=False),
    Language("en", "English", "en_US", needs_review=False),
    Language("quc", "K'iche'"),
    Language("mam", "Mam"),
    Language("kek", "Q'eqchi'"),
    Language("kjb", "Q'anjob'al"),
)

_BY_CODE = {lang.code: lang for lang in LANGUAGES}


def language(code: str) -> Language:
    """The supported language with this code; KeyError for any other code."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"unsupported language: {code!r}") from None


def is_supported(code: str) -> bool:
    return code in _BY_CODE
