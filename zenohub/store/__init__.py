"""The project's persistent state -- folders and slices, later reports and tests -- in a database.

SQLite file by default (``Store.sqlite(cache_path / "zenohub.db")``), any SQLAlchemy URL (e.g.
PostgreSQL) for a shared server. Several processes may write one SQLite file at once; every write
is one transaction and bumps :meth:`Store.revision`.
"""

from ._records import Folder, Slice
from ._schema import MIGRATIONS, Migration
from ._store import UNSET, Store

__all__ = ["MIGRATIONS", "UNSET", "Folder", "Migration", "Slice", "Store"]
