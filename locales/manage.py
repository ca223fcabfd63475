"""Catalog upkeep: `uv run python -m locales.manage COMMAND`.

extract      write locales/messages.pot from the code and templates
update       extract, then merge into every catalog (review comments are kept)
compile      write the .mo files (gitignored; without them the .po is compiled on load)
init LANG    create locales/LANG/LC_MESSAGES/messages.po, then add LANG to LANGUAGES
check        exit 1 on any problem found by locales.checks.problems()
stats        translated and reviewed entries per language
"""

from __future__ import annotations

import argparse
import logging
import sys

from locales import catalog_stats
from locales.catalogs import po_path
from locales.checks import problems
from locales.tooling import compile_all, extract, init, update


def _stats() -> None:
    print(
        f"{'code':<6}{'language':<14}{'total':>7}{'translated':>12}{'reviewed':>10}"
        f"{'drafts':>8}{'fuzzy':>7}"
    )
    for s in catalog_stats():
        print(
            f"{s.code:<6}{s.native_name:<14}{s.total:>7}{s.translated:>12}{s.reviewed:>10}"
            f"{s.drafts:>8}{s.fuzzy:>7}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m locales.manage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("extract", "update", "compile", "check", "stats"):
        commands.add_parser(name)
    commands.add_parser("init").add_argument("lang")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command in ("check", "stats"):
        logging.getLogger("babel").setLevel(logging.WARNING)

    if args.command == "extract":
        extract()
    elif args.command == "update":
        extract()
        update()
    elif args.command == "compile":
        return compile_all()
    elif args.command == "init":
        if po_path(args.lang).exists():
            print(f"{po_path(args.lang)} already exists")
            return 1
        extract()
        path = init(args.lang)
        print(
            f"created {path}; now add Language({args.lang!r}, ...) to LANGUAGES "
            "in locales/languages.py"
        )
    elif args.command == "check":
        found = problems()
        for problem in found:
            print(problem)
        print(f"{len(found)} problem(s)" if found else "catalogs OK")
        return 1 if found else 0
    elif args.command == "stats":
        _stats()
    return 0


if __name__ == "__main__":
    sys.exit(main())
