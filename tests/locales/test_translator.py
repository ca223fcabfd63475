from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from locales import core_strings, load_translator, translator
from locales.catalogs import catalog_bytes, compile_po
from tests.locales.conftest import WritePo

QUC = """\
    msgid "Gracias."
    msgstr "Maltyoox."

    msgid "🎯 Mis metas"
    msgstr ""

    #, fuzzy
    msgid "⬅️ Volver"
    msgstr "Algo que nadie revisó"

    msgid "Tienes {n} cita"
    msgid_plural "Tienes {n} citas"
    msgstr[0] "UNA {n}"
    msgstr[1] ""

    msgctxt "button"
    msgid "Listo"
    msgstr "Botón listo"

    msgid "Hola, {name}"
    msgstr "Saludo sin nombre {alias}"
"""


def test_translation_is_used_when_present(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", QUC)
    assert load_translator("quc", tmp_path).gettext("Gracias.") == "Maltyoox."


def test_missing_translation_falls_back_to_spanish(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", QUC)
    assert load_translator("quc", tmp_path).gettext("No está en el catálogo") == (
        "No está en el catálogo"
    )


def test_empty_translation_falls_back_to_spanish(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", QUC)
    assert load_translator("quc", tmp_path).gettext("🎯 Mis metas") == "🎯 Mis metas"


def test_fuzzy_translation_is_not_used(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", QUC)
    assert load_translator("quc", tmp_path).gettext("⬅️ Volver") == "⬅️ Volver"


def test_plural_uses_the_translated_form_and_spanish_for_an_empty_one(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_po("quc", QUC)
    t = load_translator("quc", tmp_path)
    assert t.ngettext("Tienes {n} cita", "Tienes {n} citas", 1) == "UNA {n}"
    assert t.ngettext("Tienes {n} cita", "Tienes {n} citas", 3) == "Tienes {n} citas"


def test_plural_without_translation_follows_the_spanish_rule(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_po("quc", QUC)
    t = load_translator("quc", tmp_path)
    assert t.ngettext("{n} meta", "{n} metas", 1) == "{n} meta"
    assert t.ngettext("{n} meta", "{n} metas", 0) == "{n} metas"


def test_context_separates_equal_msgids(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", QUC)
    t = load_translator("quc", tmp_path)
    assert t.pgettext("button", "Listo") == "Botón listo"
    assert t.gettext("Listo") == "Listo"
    assert t.pgettext("other", "Listo") == "Listo"


def test_translation_with_foreign_placeholders_is_not_shown(
    write_po: WritePo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_po("quc", QUC)
    with caplog.at_level(logging.ERROR, logger="locales.catalogs"):
        text = load_translator("quc", tmp_path).gettext("Hola, {name}")
    assert text == "Hola, {name}"
    assert "{alias}" in caplog.text


def test_empty_msgid_is_not_the_catalog_header(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", QUC)
    assert load_translator("quc", tmp_path).gettext("") == ""


def test_language_without_a_catalog_speaks_spanish(tmp_path: Path) -> None:
    assert load_translator("kjb", tmp_path).gettext("Gracias.") == "Gracias."


def test_broken_catalog_falls_back_to_spanish_and_logs(
    write_po: WritePo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_po("quc", 'msgid "Gracias."\nmsgstr "Maltyoox."\nthis is not po\n')
    with caplog.at_level(logging.ERROR, logger="locales.catalogs"):
        t = load_translator("quc", tmp_path)
    assert t.gettext("Gracias.") == "Gracias."
    assert "could not be loaded" in caplog.text


def test_compiled_mo_is_used_when_newer_than_the_po(write_po: WritePo, tmp_path: Path) -> None:
    compiled = compile_po(write_po("quc", 'msgid "Gracias."\nmsgstr "desde el mo"\n'))
    po = write_po("quc", QUC)
    mo = po.with_suffix(".mo")
    mo.write_bytes(compiled)
    later = po.stat().st_mtime_ns + 1_000_000_000
    os.utime(mo, ns=(later, later))
    assert load_translator("quc", tmp_path).gettext("Gracias.") == "desde el mo"


def test_mo_older_than_the_po_is_ignored(write_po: WritePo, tmp_path: Path) -> None:
    po = write_po("quc", QUC)
    mo = po.with_suffix(".mo")
    mo.write_bytes(b"stale and not even a catalog")
    earlier = po.stat().st_mtime_ns - 1_000_000_000
    os.utime(mo, ns=(earlier, earlier))
    assert catalog_bytes("quc", tmp_path) == compile_po(po)
    assert load_translator("quc", tmp_path).gettext("Gracias.") == "Maltyoox."


def test_translator_is_cached_per_language() -> None:
    assert translator("en") is translator("en")
    assert translator("en") is not translator("quc")


def test_unsupported_language_is_rejected() -> None:
    with pytest.raises(KeyError, match="xx"):
        translator("xx")


def test_importing_locales_loads_no_catalog() -> None:
    code = (
        "import locales, sys; "
        "assert locales.translator.cache_info().currsize == 0; "
        "locales.translator('en'); "
        "assert locales.translator.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])  # noqa: S603


def test_real_catalogs_translate_core_strings_or_keep_spanish() -> None:
    assert translator("en").gettext(core_strings.BACK) == "⬅️ Back"
    assert translator("es").gettext(core_strings.BACK) == "⬅️ Volver"
    assert translator("kjb").gettext(core_strings.BACK) == "⬅️ Volver"


def test_translator_serves_jinja_templates(write_po: WritePo, tmp_path: Path) -> None:
    write_po("quc", 'msgid "Hola %(name)s"\nmsgstr "Saqirik %(name)s"\n')
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    install = env.install_gettext_translations  # type: ignore[attr-defined]
    install(load_translator("quc", tmp_path), newstyle=True)
    template = env.from_string('{{ _("Hola %(name)s", name=who) }} {{ _("Sin traducción") }}')
    assert template.render(who="Ana") == "Saqirik Ana Sin traducción"
