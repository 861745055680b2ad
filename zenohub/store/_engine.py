"""SQLAlchemy engines whose write transactions are safe with several processes on one SQLite file.

SQLite gets WAL (readers never block the writer), a busy timeout (a writer waits for another one
instead of failing) and foreign keys. Write transactions start with ``BEGIN IMMEDIATE``: they take
the write lock up front, so two processes never both read under a shared lock and then deadlock
upgrading it -- the case where SQLite gives up at once with "database is locked". Reads use a
plain deferred ``BEGIN``. Other databases (PostgreSQL) get their driver's defaults.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

#: how long a SQLite writer waits for another one to finish, in milliseconds
BUSY_TIMEOUT_MS = 30_000
_WRITE_OPTION = "zenohub_write"


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; SQLite ones are set up for concurrent writers (see module doc)."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return create_engine(sa_url)
    engine = create_engine(sa_url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside one write transaction: committed on exit, rolled back on error."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        with conn.begin():
            yield conn


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # sqlite3's own implicit BEGIN is switched off: _on_sqlite_begin emits the right one
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
