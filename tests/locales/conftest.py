"""Catalogs written into a temporary directory, one .po text per test."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from locales.catalogs import po_path

HEADER = """\
msgid ""
msgstr ""
"Language: {code}\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"Content-Type: text/plain; charset=utf-8\\n"

"""

WritePo = Callable[[str, str], Path]


@pytest.fixture
def write_po(tmp_path: Path) -> WritePo:
    """Write `entries` (PO text, dedented) as the catalog of `code` under tmp_path."""

    def write(code: str, entries: str) -> Path:
        path = po_path(code, tmp_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER.format(code=code) + textwrap.dedent(entries), encoding="utf-8")
        return path

    return write


def template_of(*msgids: str) -> Catalog:
    """A template holding these msgids, as extraction would produce it."""
    catalog = Catalog()
    for msgid in msgids:
        catalog.add(msgid)
    return catalog
