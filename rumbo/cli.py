"""The ``rumbo`` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from locales import LANGUAGES, SOURCE_LANGUAGE, is_supported, language
from locales.catalogs import po_path
from locales.exchange import Entry, read_entries, write_entries
from plan_store import migrate
from plan_store.crypto import generate_key
from plan_store.enums import Role
from plan_store.errors import PlanStoreError
from plan_store.services import keys as keys_service
from plan_store.services import linking, staff, translations
from plan_store.services.access import case_by_number
from rumbo.container import Container, build_container
from rumbo.settings import Settings, SettingsError, load_settings

PARTS = ("console", "telegram", "whatsapp", "scheduler")


def main(argv: Sequence[str] | None = None) -> int:
    # python-telegram-bot: time periods as timedelta, without deprecation warnings.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except SettingsError as error:
        print(f"rumbo: the configuration has problems:\n{error}", file=sys.stderr)
        return 2
    except PlanStoreError as error:
        print(f"rumbo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rumbo", description=__doc__)
    commands = parser.add_subparsers(title="commands")

    db = commands.add_parser("db", help="the database schema").add_subparsers(title="db")
    upgrade = db.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_db_upgrade)

    staff_cmd = commands.add_parser("staff", help="staff accounts").add_subparsers(title="staff")
    add = staff_cmd.add_parser("add", help="add a staff account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the name colleagues know")
    add.add_argument("--role", choices=[r.value for r in Role], required=True)
    add.add_argument("--home", type=int, help="home id (not for admins)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(run=_staff_add)

    seed = commands.add_parser("seed", help="fill an empty database with demo data")
    seed.set_defaults(run=_seed)

    i18n = commands.add_parser("i18n", help="the console's translations and the catalogs")
    exchange = i18n.add_subparsers(title="i18n")
    export = exchange.add_parser(
        "export", help="write the console's translations into locales/<lang>/.../messages.po"
    )
    export.add_argument("languages", nargs="*", help="language codes (default: every one)")
    export.set_defaults(run=_i18n_export)
    import_ = exchange.add_parser(
        "import", help="read a catalog's translations into the console (signatures kept)"
    )
    import_.add_argument("language")
    import_.add_argument("po", nargs="?", help="a .po file (default: the language's catalog)")
    import_.set_defaults(run=_i18n_import)

    case = commands.add_parser("case", help="cases").add_subparsers(title="case")
    code = case.add_parser("code", help="print a fresh one-time linking code for a case")
    code.add_argument("case_number")
    code.set_defaults(run=_case_code)

    keys = commands.add_parser("keys", help="secrets").add_subparsers(title="keys")
    keys.add_parser("new", help="print a new data key").set_defaults(run=_keys_new)
    keys.add_parser(
        "rotate",
        help="re-encrypt everything under the first key of RUMBO_DATA_KEY",
        description=(
            "Put a new key first in RUMBO_DATA_KEY (comma-separated, the old one after it), "
            "run this, then drop the old key. Linking codes issued under the old key stop "
            "working when it is dropped; issue new ones."
        ),
    ).set_defaults(run=_keys_rotate)

    serve = commands.add_parser("serve", help="run the configured parts in one process")
    serve.add_argument("--only", choices=PARTS, action="append", help="run only this part")
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="a fresh demo database, seeded, served")
    demo.add_argument("--port", type=int, help="port for the console (default RUMBO_PORT)")
    demo.add_argument("--no-serve", action="store_true", help="prepare the demo and stop")
    demo.set_defaults(run=_demo)
    return parser


def _container(settings: Settings | None = None) -> Container:
    return build_container(settings or load_settings())


def _db_upgrade(args: argparse.Namespace) -> int:
    async def run() -> None:
        container = _container()
        try:
            await migrate.upgrade(container.engine, args.revision)
        finally:
            await container.aclose()

    asyncio.run(run())
    print(f"Database at {args.revision}.")
    return 0


def _staff_add(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("rumbo: the passwords differ", file=sys.stderr)
            return 1

    async def run() -> None:
        container = _container()
        try:
            async with container.uow() as uow:
                await staff.add_staff(
                    uow,
                    username=args.username,
                    display_name=args.name,
                    password=password,
                    role=Role(args.role),
                    home_id=args.home,
                )
                await uow.commit()
        finally:
            await container.aclose()

    asyncio.run(run())
    print(f"Added {args.username} ({args.role}).")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from rumbo.seed import seed

    async def run() -> None:
        container = _container()
        try:
            started = time.perf_counter()
            report = await seed(container.uow)
            elapsed = time.perf_counter() - started
        finally:
            await container.aclose()
        print(f"Seeded in {elapsed:.1f} s:")
        for line in report.lines():
            print(f"  {line}")

    asyncio.run(run())
    return 0


def _i18n_export(args: argparse.Namespace) -> int:
    codes = args.languages or [lang.code for lang in LANGUAGES if lang.code != SOURCE_LANGUAGE]
    unknown = [code for code in codes if not is_supported(code) or code == SOURCE_LANGUAGE]
    if unknown:
        print(f"rumbo: no language to export: {', '.join(unknown)}", file=sys.stderr)
        return 2

    async def run() -> dict[str, list[Entry]]:
        container = _container()
        try:
            async with container.uow() as uow:
                return {code: await translations.entries(uow, code) for code in codes}
        finally:
            await container.aclose()

    problems = 0
    for code, found in asyncio.run(run()).items():
        drafts_fuzzy = language(code).needs_review
        missing = write_entries(po_path(code), found, drafts_fuzzy=drafts_fuzzy) if found else []
        print(f"{code}: {len(found) - len(missing)} translation(s) written to {po_path(code)}")
        for entry in missing:
            problems += 1
            print(f"  not in the catalog (run ./dev i18n update first?): {entry.msgid[:60]!r}")
    return 1 if problems else 0


def _i18n_import(args: argparse.Namespace) -> int:
    code = args.language
    path = Path(args.po) if args.po else po_path(code)
    if not is_supported(code) or code == SOURCE_LANGUAGE or not path.exists():
        print(f"rumbo: nothing to import for {code!r} from {path}", file=sys.stderr)
        return 2
    found = read_entries(path)

    async def run() -> int:
        container = _container()
        try:
            async with container.uow() as uow:
                taken = await translations.import_entries(uow, code, found)
                await uow.commit()
                return taken
        finally:
            await container.aclose()

    taken = asyncio.run(run())
    print(f"{code}: {taken} of {len(found)} translation(s) from {path} are in the console now")
    return 0


def _case_code(args: argparse.Namespace) -> int:
    async def run() -> str:
        container = _container()
        try:
            async with container.uow() as uow:
                case = await case_by_number(uow, args.case_number.strip().upper())
                code = await linking.issue_code(uow, None, case.id)
                await uow.commit()
                return code
        finally:
            await container.aclose()

    code = asyncio.run(run())
    print(code)
    return 0


def _keys_new(args: argparse.Namespace) -> int:
    print(generate_key())
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    async def run() -> dict[str, int]:
        container = _container()
        try:
            return await keys_service.rotate_all(container.uow)
        finally:
            await container.aclose()

    done = asyncio.run(run())
    print("Re-encrypted under the first key:")
    for table, count in done.items():
        print(f"  {table}: {count}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from rumbo.server import serve

    settings = load_settings()
    return serve(settings, only=tuple(args.only or ()))


def _demo(args: argparse.Namespace) -> int:
    from rumbo.demo import prepare_demo

    settings = prepare_demo(Path("var/demo"), port=args.port)
    if args.no_serve:
        return 0
    from rumbo.server import serve

    return serve(settings, only=(), demo=True)


if __name__ == "__main__":
    raise SystemExit(main())
