"""The project's persistent state -- folders, slices, reports, tests, test runs -- in a database.

SQLite file by default (``Store.sqlite(cache_path / "zenohub.db")``), any SQLAlchemy URL (e.g.
PostgreSQL) for a shared server. Several processes may write one SQLite file at once; every write
is one transaction and bumps :meth:`Store.revision`.
"""

from ._records import Folder, Report, Slice, StoredTest, TestResult, TestRun
from ._reports import STATUSES
from ._schema import MIGRATIONS, Migration
from ._store import UNSET, Store

__all__ = [
    "MIGRATIONS",
    "STATUSES",
    "UNSET",
    "Folder",
    "Migration",
    "Report",
    "Slice",
    "Store",
    "StoredTest",
    "TestResult",
    "TestRun",
]
