"""The database schema: the current tables, and the ordered migrations that build them.

The schema version is the number of migrations applied; ``MIGRATIONS[i]`` takes a database from
version ``i`` to ``i + 1`` inside the upgrade transaction. A migration defines the tables as they
are *at its version* (its own ``MetaData``), so it replays the same way after later migrations
change a table. Adding one (say, reports)::

    def _v2_reports(conn: Connection) -> None:
        md = MetaData()
        Table("reports", md, Column("id", Integer, primary_key=True), ...)
        md.create_all(conn)

    MIGRATIONS = (_v1_folders_and_slices, _v2_reports)

and describe the new table below for the store's queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
    update,
)

Migration = Callable[[Connection], None]

# -- the current schema, used by the store's queries ---------------------------------------------

metadata = MetaData()

#: key -> integer: 'schema_version' and 'revision' (bumped by every write)
meta = Table(
    "zenohub_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)
folders = Table(
    "folders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)
slices = Table(
    "slices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("folder_id", Integer, ForeignKey("folders.id", ondelete="SET NULL"), index=True),
    Column("filter", Text),  # JSON of zenohub.filters to_dict(), or NULL
    Column("ids", Text),  # JSON list of instance ids, or NULL
    Column("description", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

#: named reports; ``spec`` is JSON: slices, models, metrics, transforms, charts, description
reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("spec", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)
#: behavioral tests of a report, in ``position`` order; ``spec`` is the test's JSON
tests = Table(
    "tests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("position", Integer, nullable=False),
    Column("spec", Text, nullable=False),
    UniqueConstraint("report_id", "name"),
    sqlite_autoincrement=True,
)
#: one headless or in-app run of the tests
test_runs = Table(
    "test_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("source", String(64), nullable=False),  # "cli", "app", "python"
    sqlite_autoincrement=True,
)
#: per test and model, the outcome of a run; report and test by name (they may be renamed later)
test_results = Table(
    "test_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("test_runs.id", ondelete="CASCADE"), nullable=False),
    Column("report", String(255), nullable=False),
    Column("test", String(255), nullable=False),
    Column("model", String(255), nullable=False),
    Column("status", String(32), nullable=False),  # pass, fail, cannot evaluate
    Column("value", Float),
    Column("message", Text, nullable=False),
    sqlite_autoincrement=True,
)


# -- migrations ----------------------------------------------------------------------------------


def _v1_folders_and_slices(conn: Connection) -> None:
    """The meta table, folders and slices (ids never reused, so a stale id cannot hit a new row)."""
    md = MetaData()
    meta_v1 = Table(
        "zenohub_meta",
        md,
        Column("key", String(64), primary_key=True),
        Column("value", Integer, nullable=False),
    )
    Table(
        "folders",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(255), nullable=False, unique=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    Table(
        "slices",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(255), nullable=False, unique=True),
        Column("folder_id", Integer, ForeignKey("folders.id", ondelete="SET NULL"), index=True),
        Column("filter", Text),
        Column("ids", Text),
        Column("description", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    md.create_all(conn)
    conn.execute(insert(meta_v1).values(key="revision", value=0))


def _v2_reports_and_tests(conn: Connection) -> None:
    """Reports, their behavioral tests, and the history of test runs."""
    md = MetaData()
    Table(
        "reports",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(255), nullable=False, unique=True),
        Column("spec", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    Table(
        "tests",
        md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        Column("name", String(255), nullable=False),
        Column("position", Integer, nullable=False),
        Column("spec", Text, nullable=False),
        UniqueConstraint("report_id", "name"),
        sqlite_autoincrement=True,
    )
    Table(
        "test_runs",
        md,
        Column("id", Integer, primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("source", String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    Table(
        "test_results",
        md,
        Column("id", Integer, primary_key=True),
        Column("run_id", Integer, ForeignKey("test_runs.id", ondelete="CASCADE"), nullable=False),
        Column("report", String(255), nullable=False),
        Column("test", String(255), nullable=False),
        Column("model", String(255), nullable=False),
        Column("status", String(32), nullable=False),
        Column("value", Float),
        Column("message", Text, nullable=False),
        sqlite_autoincrement=True,
    )
    md.create_all(conn)


#: in order; the schema version of a database is how many of these it has had
MIGRATIONS: tuple[Migration, ...] = (_v1_folders_and_slices, _v2_reports_and_tests)


def schema_version(conn: Connection) -> int:
    """The version recorded in the database; 0 for an empty (new) database."""
    if not inspect(conn).has_table(meta.name):
        return 0
    version = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    return int(version or 0)


def set_schema_version(conn: Connection, version: int) -> None:
    """Record ``version`` (inside the caller's transaction)."""
    done = conn.execute(update(meta).where(meta.c.key == "schema_version").values(value=version))
    if done.rowcount == 0:
        conn.execute(insert(meta).values(key="schema_version", value=version))


def apply_migrations(conn: Connection, migrations: Sequence[Migration], start: int) -> None:
    """Run ``migrations[start:]`` in order and record the new version."""
    for migration in migrations[start:]:
        migration(conn)
    set_schema_version(conn, len(migrations))
