from __future__ import annotations

from pathlib import Path

from locales import LANGUAGES, CatalogStats, catalog_stats
from tests.locales.conftest import WritePo

QUC = """\
msgid "🎯 Mis metas"
msgstr ""

# draft: greeting used at any time of day
msgid "Hola 👋"
msgstr "Saqirik 👋"

# reviewed-by: Ana Tzoc, 2025-04-02
msgid "Gracias."
msgstr "Maltyoox."

# reviewed-by: Ana Tzoc, 2025-04-02
#, fuzzy
msgid "⬅️ Volver"
msgstr "Something old"

# reviewed-by:
msgid "✅ Acepto"
msgstr "Unsigned"
"""


def stats_by_code(directory: Path) -> dict[str, CatalogStats]:
    return {s.code: s for s in catalog_stats(directory)}


def test_catalog_stats_counts_translated_and_reviewed_entries(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_po("quc", QUC)
    quc = stats_by_code(tmp_path)["quc"]
    assert (quc.total, quc.translated, quc.reviewed, quc.fuzzy) == (5, 3, 1, 1)
    assert quc.drafts == 2


def test_english_translations_need_no_signature(write_po: WritePo, tmp_path: Path) -> None:
    write_po("en", 'msgid "Hola 👋"\nmsgstr "Hi 👋"\n\nmsgid "Gracias."\nmsgstr ""\n')
    en = stats_by_code(tmp_path)["en"]
    assert (en.total, en.translated, en.reviewed) == (2, 1, 1)


def test_spanish_is_complete_by_definition(write_po: WritePo, tmp_path: Path) -> None:
    write_po("es", 'msgid "Hola 👋"\nmsgstr ""\n')
    es = stats_by_code(tmp_path)["es"]
    assert (es.total, es.translated, es.reviewed) == (1, 1, 1)


def test_language_without_a_catalog_counts_zero(tmp_path: Path) -> None:
    assert stats_by_code(tmp_path)["kjb"] == CatalogStats("kjb", "Q'anjob'al", 0, 0, 0, 0)


def test_real_catalog_stats_cover_every_language_in_order() -> None:
    stats = catalog_stats()
    assert [s.code for s in stats] == [lang.code for lang in LANGUAGES]
    by_code = {s.code: s for s in stats}
    assert by_code["en"].translated == by_code["en"].total > 0
    assert all(by_code[code].reviewed == 0 for code in ("quc", "mam", "kek", "kjb"))
