from __future__ import annotations

import pytest

from locales import LANGUAGES, is_supported, language


def test_each_language_is_named_in_itself() -> None:
    names = {lang.code: lang.native_name for lang in LANGUAGES}
    assert names == {
        "es": "Español",
        "en": "English",
        "quc": "K'iche'",
        "mam": "Mam",
        "kek": "Q'eqchi'",
        "kjb": "Q'anjob'al",
    }


def test_mayan_languages_borrow_mexican_spanish_formats_and_need_review() -> None:
    for code in ("quc", "mam", "kek", "kjb"):
        assert language(code).babel_locale_for_formats == "es_MX"
        assert language(code).needs_review


def test_is_supported_knows_only_the_listed_codes() -> None:
    assert is_supported("quc")
    assert not is_supported("fr")
    assert not is_supported("ES")


def test_language_rejects_an_unknown_code() -> None:
    with pytest.raises(KeyError, match="unsupported language"):
        language("fr")
