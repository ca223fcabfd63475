from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest
from babel.messages.pofile import read_po

from locales import load_translator
from locales.catalogs import po_path
from locales.review import reviewer
from locales.tooling import ROOT, compile_all, extract, init, read_template, update
from tests.locales.conftest import WritePo

CODE = """\
def show(t, self, n, text):
    # Translators: {name} is the alias the adolescent chose.
    greeting = t.gettext("Hola, {name}")
    count = self.t.ngettext("Tienes {n} cita", "Tienes {n} citas", n)
    back = t.pgettext("button", "Volver")
    ignored = t.gettext(text)
    return greeting, count, back, ignored


GOALS = N_("🎯 Mis metas")
"""

TEMPLATE_HTML = """\
{# Translators: the dashboard title #}
<h1>{{ _("Panel") }}</h1>
<p>{% trans count=n %}Una alerta{% pluralize %}{{ count }} alertas{% endtrans %}</p>
"""


def project_with(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "dialogs").mkdir(parents=True)
    (root / "dialogs" / "home.py").write_text(CODE, encoding="utf-8")
    (root / "staff_console" / "templates").mkdir(parents=True)
    (root / "staff_console" / "templates" / "home.html").write_text(TEMPLATE_HTML, "utf-8")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text('t.gettext("Not scanned")\n', encoding="utf-8")
    shutil.copy(ROOT / "babel.cfg", root / "babel.cfg")
    return root


def test_extraction_finds_method_calls_markers_and_templates(tmp_path: Path) -> None:
    output = tmp_path / "messages.pot"
    extract(output, root=project_with(tmp_path))
    template = read_template(output)
    keys = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    assert keys == {
        (None, "Hola, {name}"),
        (None, "Tienes {n} cita"),
        ("button", "Volver"),
        (None, "🎯 Mis metas"),
        (None, "Panel"),
        (None, "Una alerta"),
    }
    hello = template.get("Hola, {name}")
    assert hello is not None
    assert hello.auto_comments == ["Translators: {name} is the alias the adolescent chose."]
    assert hello.locations == [("dialogs/home.py", 3)]


def test_a_template_with_a_syntax_error_stops_extraction(tmp_path: Path) -> None:
    root = project_with(tmp_path)
    (root / "staff_console" / "templates" / "broken.html").write_text("{% if %}", "utf-8")
    with pytest.raises(jinja2.TemplateSyntaxError):
        extract(tmp_path / "messages.pot", root=root)


def test_init_creates_a_catalog_for_a_language_cldr_does_not_know(tmp_path: Path) -> None:
    output = tmp_path / "messages.pot"
    extract(output, root=project_with(tmp_path))
    created = init("kjb", output, tmp_path / "catalogs")
    with created.open("rb") as handle:
        catalog = read_po(handle)
    assert catalog.locale_identifier == "kjb"
    assert catalog.get("Hola, {name}") is not None
    assert not catalog.fuzzy


def test_update_keeps_review_comments_and_adds_new_messages(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_po("quc", '# reviewed-by: Ana Tzoc, 2025-04-02\nmsgid "Panel"\nmsgstr "Tabla"\n')
    output = tmp_path / "messages.pot"
    extract(output, root=project_with(tmp_path))
    update(output, tmp_path)
    with po_path("quc", tmp_path).open("rb") as handle:
        catalog = read_po(handle)
    panel = catalog.get("Panel")
    assert panel is not None
    assert panel.string == "Tabla"
    assert reviewer(panel) == "Ana Tzoc, 2025-04-02"
    assert catalog.get("Hola, {name}") is not None


def test_update_retires_the_review_of_a_changed_spanish_text(
    write_po: WritePo, tmp_path: Path
) -> None:
    write_po("quc", '# reviewed-by: Ana Tzoc\nmsgid "Hola, {nombre}"\nmsgstr "Saqirik, {nombre}"\n')
    output = tmp_path / "messages.pot"
    extract(output, root=project_with(tmp_path))
    update(output, tmp_path)
    with po_path("quc", tmp_path).open("rb") as handle:
        hello = read_po(handle).get("Hola, {name}")
    assert hello is not None
    assert hello.fuzzy
    assert reviewer(hello) is None
    assert hello.user_comments == ["reviewed-earlier-text-by: Ana Tzoc"]


def test_compile_writes_mo_files_the_translator_uses(write_po: WritePo, tmp_path: Path) -> None:
    po = write_po("quc", 'msgid "Gracias."\nmsgstr "Maltyoox."\n')
    assert compile_all(tmp_path) == 0
    assert po.with_suffix(".mo").exists()
    assert load_translator("quc", tmp_path).gettext("Gracias.") == "Maltyoox."
