"""SQLite through aiosqlite, one trip to its thread per statement.

aiosqlite runs every call on a thread of its own, and SQLAlchemy's adapter makes
four calls for a query (open a cursor, execute, fetch the rows, close the cursor)
and three for a write. Each call is a hand-off between the event loop and that
thread (a future, a wake-up of each side, the GIL passed back and forth): on a
loaded machine each one also waits for the thread to be scheduled. The cursor
below does the four in one function on aiosqlite's thread: one hand-off per
statement. What the statement left behind (description, row count, last row id)
is kept, and the rows are buffered, as SQLAlchemy's adapter buffers them anyway.

Inside a transaction that has already written, a statement skips even that trip and
runs on the event loop's own thread. Such a transaction holds the database's one
write lock, so its statements wait for nobody (readers never block a writer in WAL
mode), and they are the short statements of an update, a claim or an outcome: the
trip to the thread and back cost more than most of them (about 70 us on a 2-core
machine, against 3 to 30 us of SQLite's own work). A statement that may have to wait
for the lock (the first write of a transaction, which may find another process
writing) and every read outside a writing transaction (the console's longer queries
among them) still go to the thread, so that the event loop never waits on them.

A statement that finds another process holding the write lock waits for it here, on
aiosqlite's thread, looking again every ``LOCK_PAUSE`` for up to ``LOCK_PATIENCE``
(the connections' own busy timeout is 0). SQLite's busy handler sleeps in growing
steps instead (1, 2, 5, 10, 15, 20, 25 ms and so on): two processes writing in turn
(one applying updates, one sending their replies) each slept several milliseconds
for a lock held for one, and a burst went no faster with the sending moved to the
other process. ``SQLITE_BUSY_SNAPSHOT`` is not waited for: a transaction that read an
older state must start again (``plan_store.database.transient``).

Server-side cursors (``stream``) keep SQLAlchemy's own cursor.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Sequence
from types import ModuleType
from typing import Any, cast

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, int, int | None, list[Any] | None]
"""description, rowcount, lastrowid, rows (None when the statement returns none)."""


LOCK_PAUSE = 0.0005
"""Seconds between two looks at a write lock another process holds."""
LOCK_PATIENCE = 30.0
"""Seconds a statement waits for that lock before it fails (``SQLITE_BUSY``)."""
_BUSY = sqlite3.SQLITE_BUSY
"""The plain code only: not ``SQLITE_BUSY_SNAPSHOT`` (``_BUSY | 2 << 8``)."""


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Outcome:
    """On aiosqlite's thread: the statement, its rows and its cursor's state, once the
    write lock is free (a statement turned away with ``SQLITE_BUSY`` did nothing)."""
    waited_since: float | None = None
    while True:
        try:
            return _run_once(connection, many, operation, parameters)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != _BUSY:
                raise
            now = time.monotonic()
            if waited_since is None:
                waited_since = now
            elif now - waited_since > LOCK_PATIENCE:
                raise
            time.sleep(LOCK_PAUSE)


def _run_once(
    connection: sqlite3.Connection, many: bool, operation: str, parameters: Any
) -> _Outcome:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor that goes to aiosqlite's thread once per statement."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor is opened here: ``_run`` opens and closes its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._one_trip(False, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            await_(self._one_trip(True, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _one_trip(self, many: bool, operation: Any, parameters: Any) -> None:
        """The statement on aiosqlite's thread, or at once here where it waits for
        nobody. Either way through ``await_``: SQLAlchemy's async connection checks
        that its driver awaited."""
        adapted = cast(OneTripConnection, self._adapt_connection)
        connection = self._connection
        sqlite = connection._conn
        async with adapted._execute_mutex:
            if adapted.wrote and sqlite.in_transaction:
                # This transaction has written: it holds the lock and waits for nobody
                # (were it ever turned away, it fails here rather than wait on the loop).
                outcome = _run_once(sqlite, many, operation, parameters)
            else:
                changes = sqlite.total_changes
                outcome = await connection._execute(_run, sqlite, many, operation, parameters)
                # An explicit BEGIN (a snapshot's) opens a transaction that writes nothing.
                adapted.wrote = sqlite.in_transaction and sqlite.total_changes > changes
        self._keep(outcome)

    def _keep(self, outcome: _Outcome) -> None:
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = deque(rows) if rows is not None else deque()

    async def _async_soft_close(self) -> None:
        return None  # nothing is open on the other side

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("wrote",)

    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.wrote = False
        """Whether the open transaction has changed rows, and so holds the write lock."""


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter, handing out ``OneTripConnection``s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """The module to pass as ``module=`` to ``create_async_engine`` for aiosqlite."""
    import aiosqlite

    module: ModuleType = aiosqlite
    return OneTripDBAPI(module, sqlite3)
