"""Encrypted backups of a whole installation, and restoring one into an empty one.

A backup is one file: the line ``RUMBO-BACKUP 1``, then frames, each a 4-byte length
and a Fernet token (under the first key of ``RUMBO_DATA_KEY``) of zlib-compressed
JSON records: a header (schema revision, columns of each table), batches of rows
(``plan_store.transfer``, read in one snapshot) and an end record with the counts.
Each record carries its sequence number, so a file cut short, reordered or spliced is
refused. The rows' own ciphertext stays as it is: restoring needs the same data key
(all the keys of ``RUMBO_DATA_KEY`` at the time of the backup).
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from plan_store import migrate, transfer
from plan_store.crypto import Cipher, InvalidToken
from plan_store.errors import PlanStoreError
from plan_store.types import utcnow

MAGIC = b"RUMBO-BACKUP 1\n"
SUFFIX = ".rumbo-backup"
_LENGTH = struct.Struct(">I")


class BackupError(PlanStoreError):
    """A backup that cannot be written or restored, said in one line."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    revision: list[str]
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def file_name(at: datetime) -> str:
    return f"rumbo-{at.strftime('%Y%m%dT%H%M%SZ')}{SUFFIX}"


async def write_backup(engine: AsyncEngine, cipher: Cipher, directory: Path) -> BackupSummary:
    """A new backup file in ``directory`` (created, mode 0700), written under a
    temporary name and renamed when complete, readable by its owner only."""
    created = utcnow()
    revision = sorted(await migrate.current_revisions(engine))
    if not revision:
        raise BackupError("the database has no schema yet: nothing to back up")
    counts: dict[str, int] = {}
    path = directory / file_name(created)
    with _Partial(path) as out:
        writer = _FrameWriter(out, cipher)
        writer.write(
            {
                "kind": "header",
                "format": 1,
                "revision": revision,
                "created_at": created.isoformat(),
                "tables": {t.name: [c.name for c in t.columns] for t in transfer.tables()},
            }
        )
        async with transfer.snapshot(engine) as connection:
            async for table, rows in transfer.read_rows(connection):
                columns = [c.name for c in table.columns]
                writer.write(
                    {
                        "kind": "rows",
                        "table": table.name,
                        "rows": [
                            [transfer.encode_value(row[name]) for name in columns] for row in rows
                        ],
                    }
                )
                counts[table.name] = counts.get(table.name, 0) + len(rows)
        writer.write({"kind": "end", "counts": counts})
    return BackupSummary(path, revision, created.isoformat(), counts)


async def restore_backup(engine: AsyncEngine, cipher: Cipher, path: Path) -> BackupSummary:
    """Load ``path`` into the database behind ``engine``, which must hold no rows:
    its schema is brought to the backup's revision, the rows go in in one
    transaction, then the schema is migrated to this version's head."""
    records = _read_records(path, cipher)
    header = next(records, None)
    if header is None or header.get("kind") != "header" or header.get("format") != 1:
        raise BackupError(f"{path}: not a Rumbo backup of a known format")
    revision = list(header["revision"])
    await _schema_at(engine, revision)
    async with engine.connect() as connection:
        filled = await transfer.not_empty(connection)
    if filled:
        raise BackupError(
            "restore needs an empty installation; these tables hold rows: " + ", ".join(filled)
        )
    counts: dict[str, int] = {}
    ended = False
    async with engine.begin() as connection:
        for record in records:
            if record.get("kind") == "end":
                ended = record.get("counts") == counts
                if not ended:
                    raise BackupError(f"{path}: the row counts do not match; file damaged")
                continue
            table = transfer.table_named(record["table"])
            names = header["tables"][table.name]
            decoders = [transfer.decoder(table.c[name]) for name in names]
            rows = [
                {
                    name: decode(value)
                    for name, decode, value in zip(names, decoders, row, strict=True)
                }
                for row in record["rows"]
            ]
            await transfer.write_rows(connection, table, rows)
            counts[table.name] = counts.get(table.name, 0) + len(rows)
        if not ended:
            raise BackupError(f"{path}: the file ends early (an interrupted backup?)")
        await transfer.reset_sequences(connection)
    await migrate.upgrade(engine)
    return BackupSummary(path, revision, str(header["created_at"]), counts)


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``directory``; return the deleted."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    found = sorted(directory.glob(f"rumbo-*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    for old in found[keep:]:
        old.unlink()
    return found[keep:]


async def _schema_at(engine: AsyncEngine, revision: list[str]) -> None:
    current = sorted(await migrate.current_revisions(engine))
    if current == revision:
        return
    if len(revision) != 1:
        raise BackupError(f"the backup is at several schema heads {revision}; merge them first")
    if revision[0] not in {rev for rev in migrate.known_revisions()}:
        raise BackupError(
            f"the backup's schema {revision[0]} is newer than this version of Rumbo; "
            "upgrade Rumbo first"
        )
    if not current:
        await migrate.upgrade(engine, revision[0])
        return
    async with engine.connect() as connection:
        filled = await transfer.not_empty(connection)
    if filled:
        raise BackupError(
            "restore needs an empty installation; these tables hold rows: " + ", ".join(filled)
        )
    await migrate.downgrade(engine, revision[0])


class _Partial:
    """The file of a backup being written: ``<name>.partial`` (mode 0600) until it is
    complete and synced, then renamed; removed if anything fails on the way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self._out: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.path.exists():
            raise BackupError(f"{self.path} exists already (two backups in one second?)")
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._out = os.fdopen(fd, "wb")
        self._out.write(MAGIC)
        return self._out

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        assert self._out is not None
        try:
            if kind is None:
                self._out.flush()
                os.fsync(self._out.fileno())
        finally:
            self._out.close()
        if kind is None:
            self.partial.rename(self.path)
        else:
            self.partial.unlink(missing_ok=True)


class _FrameWriter:
    def __init__(self, out: IO[bytes], cipher: Cipher) -> None:
        self._out = out
        self._cipher = cipher
        self._sequence = 0

    def write(self, record: dict[str, Any]) -> None:
        record["seq"] = self._sequence
        self._sequence += 1
        plain = zlib.compress(json.dumps(record, separators=(",", ":")).encode("utf-8"), 6)
        token = self._cipher.encrypt_bytes(plain)
        self._out.write(_LENGTH.pack(len(token)))
        self._out.write(token)


def _read_records(path: Path, cipher: Cipher) -> Iterator[dict[str, Any]]:
    try:
        stream = path.open("rb")
    except OSError as error:
        raise BackupError(f"{path}: {error.strerror}") from None
    with stream:
        if stream.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path}: not a Rumbo backup")
        expected = 0
        while prefix := stream.read(_LENGTH.size):
            if len(prefix) < _LENGTH.size:
                raise BackupError(f"{path}: the file ends early (an interrupted backup?)")
            (length,) = _LENGTH.unpack(prefix)
            token = stream.read(length)
            if len(token) < length:
                raise BackupError(f"{path}: the file ends early (an interrupted backup?)")
            try:
                plain = cipher.decrypt_bytes(token)
            except InvalidToken:
                raise BackupError(
                    f"{path}: cannot be opened with RUMBO_DATA_KEY (made under another key, "
                    "or damaged)"
                ) from None
            record: dict[str, Any] = json.loads(zlib.decompress(plain))
            if record.pop("seq", None) != expected:
                raise BackupError(f"{path}: frames out of order; file damaged")
            expected += 1
            yield record
