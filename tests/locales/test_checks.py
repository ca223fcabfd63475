from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog

from locales import LANGUAGES
from locales.checks import problems
from locales.placeholders import placeholder_problem
from tests.locales.conftest import WritePo, template_of


def write_all(write_po: WritePo, entries: str) -> None:
    """The same entries for every language; Spanish keeps its msgstr empty."""
    for lang in LANGUAGES:
        spanish = re.sub(r'^msgstr ".*"$', 'msgstr ""', entries, flags=re.MULTILINE)
        write_po(lang.code, spanish if lang.code == "es" else entries)


def test_check_passes_on_the_real_catalogs() -> None:
    assert problems() == []


def test_placeholder_check_catches_a_dropped_name() -> None:
    problem = placeholder_problem(("Hola, {name}",), "Saqirik")
    assert problem is not None
    assert "drops {name}" in problem


def test_placeholder_check_catches_an_added_name() -> None:
    problem = placeholder_problem(("Hola",), "Saqirik {name}")
    assert problem is not None
    assert "adds {name}" in problem


def test_placeholder_check_catches_a_broken_brace() -> None:
    problem = placeholder_problem(("Hola, {name}",), "Saqirik {name")
    assert problem is not None
    assert "breaks" in problem


def test_placeholder_check_accepts_reordered_fields() -> None:
    assert placeholder_problem(("{day} a las {time}",), "{time}, {day}") is None


def test_singular_form_may_say_one_instead_of_the_count() -> None:
    sources = ("Tienes {n} cita", "Tienes {n} citas")
    assert placeholder_problem(("Una cita", "Tienes {n} citas"), "One appointment") is None
    assert placeholder_problem(sources, "You have {count} appointments") is not None


def test_template_placeholders_are_checked_too() -> None:
    problem = placeholder_problem(("Hola %(name)s",), "Hi")
    assert problem is not None
    assert "%(name)s" in problem


def test_check_reports_a_dropped_placeholder_in_a_catalog(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_all(write_po, 'msgid "Hola, {name}"\nmsgstr "Hi, {name}"\n')
    write_po("quc", 'msgid "Hola, {name}"\nmsgstr "Saqirik"\n')
    found = problems(tmp_path, template_of("Hola, {name}"))
    assert found == ["quc: 'Hola, {name}': the translation drops {name} in 'Saqirik'"]


def test_check_ignores_fuzzy_entries_placeholders(write_po: WritePo, tmp_path: Path) -> None:
    write_all(write_po, 'msgid "Hola, {name}"\nmsgstr "Hi, {name}"\n')
    write_po("quc", '#, fuzzy\nmsgid "Hola, {name}"\nmsgstr "Saqirik"\n')
    assert problems(tmp_path, template_of("Hola, {name}")) == []


def test_check_reports_a_msgid_missing_from_a_catalog(write_po: WritePo, tmp_path: Path) -> None:
    write_all(write_po, 'msgid "Hola"\nmsgstr "Hi"\n')
    found = problems(tmp_path, template_of("Hola", "Adiós"))
    assert len(found) == len(LANGUAGES)
    assert all("'Adiós' is missing" in p for p in found)


def test_check_reports_incomplete_english(write_po: WritePo, tmp_path: Path) -> None:
    write_all(write_po, 'msgid "Hola"\nmsgstr ""\n\n#, fuzzy\nmsgid "Adiós"\nmsgstr "Bye"\n')
    found = problems(tmp_path, template_of("Hola", "Adiós"))
    assert found == ["en: 'Hola' is untranslated", "en: 'Adiós' is fuzzy"]


def test_check_reports_a_catalog_that_does_not_compile(write_po: WritePo, tmp_path: Path) -> None:
    write_all(write_po, 'msgid "Hola"\nmsgstr "Hi"\n')
    write_po("kek", 'msgid "Hola"\nmsgid_plural "Holas"\nmsgstr[0] "a"\nmsgstr[5] "b"\n')
    found = problems(tmp_path, template_of("Hola"))
    assert len(found) == 1
    assert found[0].startswith("kek: does not compile")


def test_check_reports_a_line_babel_would_silently_misread(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_all(write_po, 'msgid "Hola"\nmsgstr "Hi"\n')
    write_po("kek", 'msgid "Hola"\nmsgstr "Chan xawil\n')
    found = problems(tmp_path, template_of("Hola"))
    assert found == ["kek: line 8: not valid PO syntax: 'msgstr \"Chan xawil'"]


def test_check_reports_spanish_text_in_the_spanish_catalog(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_all(write_po, 'msgid "Hola"\nmsgstr "Hi"\n')
    write_po("es", 'msgid "Hola"\nmsgstr "Hola, ¿qué tal?"\n')
    assert problems(tmp_path, template_of("Hola")) == [
        "es: 'Hola': leave Spanish msgstr empty (the text lives in the code)"
    ]


def test_check_reports_missing_and_unlisted_catalogs(write_po: WritePo, tmp_path: Path) -> None:
    write_all(write_po, 'msgid "Hola"\nmsgstr "Hi"\n')
    write_po("cak", 'msgid "Hola"\nmsgstr ""\n')
    (tmp_path / "kjb" / "LC_MESSAGES" / "messages.po").unlink()
    found = problems(tmp_path, template_of("Hola"))
    assert found[0] == "cak: catalog for a language missing from LANGUAGES"
    assert found[1].startswith("kjb: no catalog")


def test_empty_template_and_catalogs_have_no_problems(write_po: WritePo, tmp_path: Path) -> None:
    write_all(write_po, "")
    assert problems(tmp_path, Catalog()) == []
