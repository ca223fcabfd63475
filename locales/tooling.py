"""pybabel's extract, update and compile with Rumbo's paths and keywords.

The frontend command classes are driven directly (not through `sys.argv`) so that
`locales.checks` can run the very same extraction from the test suite.
"""

from __future__ import annotations

import contextlib
import datetime
import tomllib
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.frontend import CompileCatalog, ExtractMessages, UpdateCatalog
from babel.messages.pofile import read_po, write_po

from locales.catalogs import DOMAIN, LOCALES_DIR, po_path
from locales.review import REVIEWED_BY

ROOT = LOCALES_DIR.parent
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
WIDTH = 76

# With the defaults off, this list is exactly what extraction looks for; Babel matches
# the name before "(", so method calls such as `t.gettext("Hola")` count too.
KEYWORDS = ("_", "gettext", "ngettext:1,2", "pgettext:1c,2", "npgettext:1c,2,3", "N_")
COMMENT_TAG = "Translators:"
HEADER_COMMENT = """\
# Rumbo messages. Source language: Spanish (each msgid is the text).
# How reviews are recorded: see the docstring of locales/__init__.py.
#"""

# A review comment whose entry became fuzzy on update is renamed to this, so that
# clearing the fuzzy flag later does not silently count as a review of the new text.
EARLIER_REVIEW = "reviewed-earlier-text-by:"


def _run(command_class: Any, **options: Any) -> int:
    """Run a pybabel frontend command (an untyped Babel class) with these options."""
    command = command_class()
    for name, value in options.items():
        setattr(command, name, value)
    command.finalize_options()
    return int(command.run() or 0)


def _project_version(root: Path) -> str:
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return "0"
    with pyproject.open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def extract(output: Path = TEMPLATE, root: Path = ROOT) -> None:
    """Write the template of every message found under `root` (per `root/babel.cfg`)."""
    output = output.resolve()
    # Relative input and mapping paths keep the locations in the template relative.
    with contextlib.chdir(root):
        _run(
            ExtractMessages,
            input_paths=["."],
            mapping_file="babel.cfg",
            output_file=str(output),
            keywords=list(KEYWORDS),
            no_default_keywords=True,
            add_comments=COMMENT_TAG,
            sort_by_file=True,
            project="Rumbo",
            version=_project_version(root),
            copyright_holder="Rumbo contributors",
            header_comment=HEADER_COMMENT,
        )


def read_template(path: Path = TEMPLATE) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def update(template: Path = TEMPLATE, directory: Path = LOCALES_DIR) -> None:
    """Merge the template into every catalog; translator comments (reviews) are kept.

    No `--previous`: Babel's reader does not parse the `#| msgid` lines it writes, so
    they would come back as ordinary comments on every later update.
    """
    _run(
        UpdateCatalog,
        input_file=str(template),
        output_dir=str(directory),
        domain=DOMAIN,
        ignore_pot_creation_date=True,
        width=WIDTH,
    )
    for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        _retire_reviews_of_changed_text(po)


def _retire_reviews_of_changed_text(po: Path) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)
    changed = False
    for message in catalog:
        if not message.fuzzy:
            continue
        for index, comment in enumerate(message.user_comments):
            if comment.strip().lower().startswith(REVIEWED_BY):
                message.user_comments[index] = EARLIER_REVIEW + comment.strip()[len(REVIEWED_BY) :]
                changed = True
    if changed:
        with po.open("wb") as handle:
            write_po(handle, catalog, width=WIDTH)


def compile_all(directory: Path = LOCALES_DIR) -> int:
    """Write a .mo next to every .po (fuzzy entries left out); non-zero on errors."""
    return _run(CompileCatalog, directory=str(directory), domain=DOMAIN, statistics=True)


def init(code: str, template: Path = TEMPLATE, directory: Path = LOCALES_DIR) -> Path:
    """Create the catalog for a new language from the template.

    pybabel's own `init` refuses codes CLDR does not know (mam, kek, kjb, ...), so
    this does what it does with Babel's catalog API; such languages get the plural
    rule nplurals=2 (n != 1), which a translator can correct in the header.
    """
    target = po_path(code, directory)
    if target.exists():
        raise FileExistsError(target)
    with template.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    catalog.locale = code
    catalog.fuzzy = False
    catalog.revision_date = datetime.datetime.now(datetime.UTC)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=WIDTH)
    return target
