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
from locales.template_exchange import is_template_entry, read_templates, write_templates
from plan_store import migrate
from plan_store.crypto import Cipher, generate_key
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
    for add_commands in (_installation_commands, _content_commands, _running_commands):
        add_commands(commands)
    return parser


def _installation_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The installation: its database, its .env, its readiness, its backups."""
    db = commands.add_parser("db", help="the database schema").add_subparsers(title="db")
    upgrade = db.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_db_upgrade)
    copy = db.add_parser(
        "copy",
        help="copy every row from one database into a new, empty one (SQLite -> PostgreSQL)",
        description=(
            "Copy an installation, e.g. from SQLite to PostgreSQL when a second home joins. "
            "Stop every Rumbo process first. FROM must be at the newest schema "
            "(`rumbo db upgrade`); TO is migrated and must hold no rows. The data stays "
            "encrypted under the same RUMBO_DATA_KEY."
        ),
    )
    copy.add_argument("source", metavar="FROM", help="database URL to copy from")
    copy.add_argument("target", metavar="TO", help="database URL to copy into")
    copy.set_defaults(run=_db_copy)

    init = commands.add_parser(
        "init",
        help="write the .env of a new installation, with fresh keys (never printed)",
    )
    init.add_argument("--env-file", type=Path, default=Path(".env"))
    init.add_argument("--domain", help="the public name, e.g. rumbo.example.org (for HTTPS)")
    init.add_argument(
        "--database-url", help="default: the PostgreSQL of the compose file, with a new password"
    )
    init.set_defaults(run=_init)

    check = commands.add_parser(
        "check", help="say what is not ready for production (exit 0 only when all is)"
    )
    check.set_defaults(run=_check)

    backup = commands.add_parser(
        "backup", help="an encrypted backup of the whole installation, keeping the newest N"
    )
    backup.add_argument("--to", type=Path, help="directory (default RUMBO_BACKUP_DIR)")
    backup.add_argument("--keep", type=int, help="backups to keep (default RUMBO_BACKUP_KEEP)")
    backup.set_defaults(run=_backup)

    restore = commands.add_parser(
        "restore", help="load a backup into an empty installation (same RUMBO_DATA_KEY)"
    )
    restore.add_argument("file", type=Path)
    restore.set_defaults(run=_restore)


def _content_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """What goes in it: staff, demo data, translations, linking codes."""
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


def _running_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Its keys, and running it."""
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


def _db_copy(args: argparse.Namespace) -> int:
    from plan_store import transfer
    from plan_store.database import create_engine

    source_url = load_settings(database={"url": args.source}).database.url
    target_url = load_settings(database={"url": args.target}).database.url

    async def run() -> dict[str, int] | str:
        source, target = create_engine(source_url), create_engine(target_url)
        try:
            if not await migrate.at_head(source):
                return "FROM is not at the newest schema: run `rumbo db upgrade` on it first"
            await migrate.upgrade(target)
            async with target.connect() as connection:
                filled = await transfer.not_empty(connection)
            if filled:
                return "TO must hold no rows; these tables have some: " + ", ".join(filled)
            return await transfer.copy(source, target)
        finally:
            await source.dispose()
            await target.dispose()

    outcome = asyncio.run(run())
    if isinstance(outcome, str):
        print(f"rumbo: {outcome}", file=sys.stderr)
        return 1
    print(f"Copied {sum(outcome.values())} rows:")
    for table, count in outcome.items():
        if count:
            print(f"  {table}: {count}")
    print("Now point RUMBO_DATABASE_URL at TO and start Rumbo again.")
    return 0


def _init(args: argparse.Namespace) -> int:
    from rumbo.init_env import AlreadyThere, write_env

    try:
        names = write_env(args.env_file, args.domain, args.database_url)
    except AlreadyThere:
        print(
            f"rumbo: {args.env_file} exists; init never overwrites keys "
            "(new keys would make the stored data unreadable)",
            file=sys.stderr,
        )
        return 1
    print(f"Wrote {args.env_file} (readable by you only) with fresh {', '.join(names)}.")
    print("The keys are not shown. Keep a copy of RUMBO_DATA_KEY off this server.")
    return 0


def _check(args: argparse.Namespace) -> int:
    from rumbo.checks import problems

    found = asyncio.run(problems(load_settings()))
    for line in found:
        print(f"- {line}")
    if found:
        print(f"Not ready: {len(found)} problem{'s' if len(found) != 1 else ''}.")
        return 1
    print("Ready: no problems found.")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from plan_store.backup import prune, write_backup

    settings = load_settings()
    directory = args.to or settings.backup.dir
    keep = args.keep if args.keep is not None else settings.backup.keep

    async def run() -> None:
        container = _container(settings)
        try:
            summary = await write_backup(container.engine, _cipher(settings), directory)
        finally:
            await container.aclose()
        print(f"Backed up {summary.rows} rows to {summary.path}.")
        for old in prune(directory, keep):
            print(f"Removed the old backup {old.name} (keeping {keep}).")

    asyncio.run(run())
    return 0


def _restore(args: argparse.Namespace) -> int:
    from plan_store.backup import restore_backup

    settings = load_settings()

    async def run() -> None:
        container = _container(settings)
        try:
            summary = await restore_backup(container.engine, _cipher(settings), args.file)
        finally:
            await container.aclose()
        print(f"Restored {summary.rows} rows from the backup of {summary.created_at}.")

    asyncio.run(run())
    return 0


def _cipher(settings: Settings) -> Cipher:
    assert settings.data_key is not None  # build_container refused a missing key
    return Cipher(settings.data_key.get_secret_value())


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
    for code, every in asyncio.run(run()).items():
        found = [entry for entry in every if not is_template_entry(entry)]
        drafts_fuzzy = language(code).needs_review
        missing = write_entries(po_path(code), found, drafts_fuzzy=drafts_fuzzy) if found else []
        print(f"{code}: {len(found) - len(missing)} translation(s) written to {po_path(code)}")
        for path in write_templates(code, every):
            print(f"{code}: WhatsApp template {path} (needs Meta's approval before it is sent)")
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
    found = read_entries(path) + read_templates(code)

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
    print(
        f"{code}: {taken} of {len(found)} translation(s) from {path} and the WhatsApp "
        "templates are in the console now"
    )
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
