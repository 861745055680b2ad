"""The project database: folders and slices (reports and tests in ``_reports.py``), in SQLite or
any SQLAlchemy database. Every write is one transaction that also bumps a revision number, so app
sessions notice one another's changes by polling :meth:`Store.revision`.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import numpy as np
from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..errors import StoreError
from ..filters import Filter, FilterGroup, Predicate, filter_from_dict
from ._common import Key, _check_unique, _clean_name, _find, _now, _utc
from ._engine import make_engine, write_transaction
from ._records import Folder, Slice
from ._reports import ReportsMixin
from ._schema import MIGRATIONS, Migration, apply_migrations, folders, meta, schema_version, slices

logger = logging.getLogger(__name__)


class _Unset(enum.Enum):
    UNSET = "UNSET"


#: "leave as it is" for :meth:`Store.update_slice`, "every slice" for :meth:`Store.slices`
UNSET: Final = _Unset.UNSET

FilterLike = Filter | Mapping[str, Any]


class Store(ReportsMixin):
    """Folders, slices, reports, tests and test runs of one project, at a SQLAlchemy ``url``.

    Opening a database creates or upgrades its schema; a database written by a newer zenohub is
    refused. ``migrations`` is a seam for tests and defaults to :data:`MIGRATIONS`.
    """

    def __init__(self, url: str, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        try:
            self._url = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"Cannot read database URL {url!r}: {exc}") from None
        try:
            self._engine = make_engine(self._url)
        except (ArgumentError, ImportError) as exc:  # unknown dialect, driver not installed
            raise StoreError(f"Cannot use database URL {self.url}: {exc}") from None
        self._closed = False
        try:
            self._upgrade(migrations)
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def sqlite(cls, path: str | Path, **kwargs: Any) -> Store:
        """A store in the SQLite file ``path``, creating its parent directories."""
        path = Path(path).expanduser().absolute()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder of database {path}: {exc}") from None
        return cls(f"sqlite:///{path}", **kwargs)

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self._url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections; the store cannot be used afterwards."""
        self._closed = True
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _upgrade(self, migrations: Sequence[Migration]) -> None:
        with self._read() as conn:
            if schema_version(conn) == len(migrations):
                return
        with self._write(bump=False) as conn:
            version = schema_version(conn)  # again, now holding the write lock
            if version > len(migrations):
                raise StoreError(
                    f"The project database {self.url} has schema version {version}, but this "
                    f"zenohub only knows versions up to {len(migrations)}: it was written by a "
                    f"newer zenohub. Upgrade zenohub (pip install -U zenohub) to open it."
                )
            if version < len(migrations):
                logger.info(
                    "Upgrading %s from schema version %d to %d", self.url, version, len(migrations)
                )
                apply_migrations(conn, migrations, version)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._check_open()
        try:
            with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"Cannot read the project database {self.url}: {exc}") from exc

    @contextmanager
    def _write(self, bump: bool = True) -> Iterator[Connection]:
        """One write transaction, bumping the revision unless ``bump`` is False."""
        self._check_open()
        try:
            with write_transaction(self._engine) as conn:
                yield conn
                if bump:
                    conn.execute(
                        update(meta).where(meta.c.key == "revision").values(value=meta.c.value + 1)
                    )
        except SQLAlchemyError as exc:
            raise StoreError(f"The project database {self.url} refused the change: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"The store {self.url} is closed.")

    def revision(self) -> int:
        """A number that grows with every write, from any process: poll it to notice changes."""
        with self._read() as conn:
            return int(
                conn.execute(select(meta.c.value).where(meta.c.key == "revision")).scalar_one()
            )

    # -- folders ---------------------------------------------------------------------------------

    def folders(self) -> list[Folder]:
        """Every folder, in creation order."""
        with self._read() as conn:
            return [_folder(row) for row in conn.execute(select(folders).order_by(folders.c.id))]

    def get_folder(self, id_or_name: Key) -> Folder:
        """The folder with this id or name; NotFoundError if there is none."""
        with self._read() as conn:
            return _folder(_find(conn, folders, "folder", id_or_name))

    def create_folder(self, name: str) -> Folder:
        """A new, empty folder; folder names are unique."""
        name = _clean_name(name, "folder")
        with self._write() as conn:
            _check_unique(conn, folders, "folder", name)
            row = conn.execute(
                insert(folders).values(name=name, created_at=_now()).returning(*folders.c)
            ).one()
        return _folder(row)

    def rename_folder(self, id_or_name: Key, new_name: str) -> Folder:
        """Give a folder a new, unused name."""
        new_name = _clean_name(new_name, "folder")
        with self._write() as conn:
            row = _find(conn, folders, "folder", id_or_name)
            _check_unique(conn, folders, "folder", new_name, exclude_id=row.id)
            conn.execute(update(folders).where(folders.c.id == row.id).values(name=new_name))
        return Folder(row.id, new_name, _utc(row.created_at))

    def delete_folder(self, id_or_name: Key, delete_slices: bool = False) -> int:
        """Delete a folder; its slices move to the top level, or are deleted with it if asked.

        Returns how many slices were moved or deleted.
        """
        with self._write() as conn:
            row = _find(conn, folders, "folder", id_or_name)
            in_folder = slices.c.folder_id == row.id
            if delete_slices:
                count = conn.execute(delete(slices).where(in_folder)).rowcount
            else:
                count = conn.execute(
                    update(slices).where(in_folder).values(folder_id=None)
                ).rowcount
            conn.execute(delete(folders).where(folders.c.id == row.id))
        return int(count)

    # -- slices ----------------------------------------------------------------------------------

    def slices(self, folder: Key | _Unset | None = UNSET) -> list[Slice]:
        """Slices in creation order: all, top-level ones (``folder=None``) or one folder's."""
        with self._read() as conn:
            query = select(slices).order_by(slices.c.id)
            if folder is None:
                query = query.where(slices.c.folder_id.is_(None))
            elif not isinstance(folder, _Unset):
                query = query.where(slices.c.folder_id == _find(conn, folders, "folder", folder).id)
            return [_slice(row) for row in conn.execute(query)]

    def get_slice(self, id_or_name: Key) -> Slice:
        """The slice with this id or name; NotFoundError if there is none."""
        with self._read() as conn:
            return _slice(_find(conn, slices, "slice", id_or_name))

    def create_slice(
        self,
        name: str,
        filter: FilterLike | None = None,
        ids: Iterable[str | int] | None = None,
        folder: Key | None = None,
        description: str = "",
    ) -> Slice:
        """Save a slice: a filter, instance ids, or both; in ``folder`` or at the top level."""
        name = _clean_name(name, "slice")
        values = {"filter": _filter_json(filter), "ids": _ids_json(ids)}
        _check_content(name, values["filter"], values["ids"])
        now = _now()
        with self._write() as conn:
            _check_unique(conn, slices, "slice", name)
            folder_id = _folder_id(conn, folder)
            row = conn.execute(
                insert(slices)
                .values(
                    name=name,
                    folder_id=folder_id,
                    description=_clean_description(description),
                    created_at=now,
                    updated_at=now,
                    **values,
                )
                .returning(*slices.c)
            ).one()
        return _slice(row)

    def update_slice(
        self,
        id_or_name: Key,
        *,
        name: str | _Unset = UNSET,
        filter: FilterLike | _Unset | None = UNSET,
        ids: Iterable[str | int] | _Unset | None = UNSET,
        folder: Key | _Unset | None = UNSET,
        description: str | _Unset = UNSET,
    ) -> Slice:
        """Change what is given and leave the rest; ``folder=None`` moves it to the top level."""
        changes: dict[str, Any] = {}
        if not isinstance(name, _Unset):
            changes["name"] = _clean_name(name, "slice")
        if not isinstance(filter, _Unset):
            changes["filter"] = _filter_json(filter)
        if not isinstance(ids, _Unset):
            changes["ids"] = _ids_json(ids)
        if not isinstance(description, _Unset):
            changes["description"] = _clean_description(description)
        with self._write() as conn:
            row = _find(conn, slices, "slice", id_or_name)
            if "name" in changes:
                _check_unique(conn, slices, "slice", changes["name"], exclude_id=row.id)
            if not isinstance(folder, _Unset):
                changes["folder_id"] = _folder_id(conn, folder)
            merged = {**row._mapping, **changes}
            _check_content(merged["name"], merged["filter"], merged["ids"])
            changes["updated_at"] = _now()
            new = conn.execute(
                update(slices).where(slices.c.id == row.id).values(**changes).returning(*slices.c)
            ).one()
        return _slice(new)

    def move_slice(self, id_or_name: Key, folder: Key | None) -> Slice:
        """Put a slice in ``folder`` (an id or name), or at the top level with None."""
        return self.update_slice(id_or_name, folder=folder)

    def delete_slice(self, id_or_name: Key) -> None:
        """Delete a slice."""
        with self._write() as conn:
            row = _find(conn, slices, "slice", id_or_name)
            conn.execute(delete(slices).where(slices.c.id == row.id))


# -- helpers -------------------------------------------------------------------------------------


def _folder(row: Row[Any]) -> Folder:
    return Folder(row.id, row.name, _utc(row.created_at))


def _slice(row: Row[Any]) -> Slice:
    return Slice(
        id=row.id,
        name=row.name,
        folder_id=row.folder_id,
        filter=None if row.filter is None else json.loads(row.filter),
        ids=None if row.ids is None else json.loads(row.ids),
        description=row.description,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
    )


def _folder_id(conn: Connection, folder: Key | None) -> int | None:
    return None if folder is None else int(_find(conn, folders, "folder", folder).id)


def _clean_description(description: Any) -> str:
    if not isinstance(description, str):
        raise StoreError(f"A slice description must be text, got {description!r}.")
    return description


def _check_content(name: str, filter_json: str | None, ids_json: str | None) -> None:
    if filter_json is None and ids_json is None:
        raise StoreError(f"Slice '{name}' needs a filter, a list of instance ids, or both.")


def _filter_json(flt: FilterLike | None) -> str | None:
    """Canonical JSON of a filter object or dict (a dict is checked by rebuilding it)."""
    if flt is None:
        return None
    if not isinstance(flt, Predicate | FilterGroup):
        flt = filter_from_dict(flt)
    return json.dumps(flt.to_dict(), sort_keys=True)


def _ids_json(ids: Iterable[str | int] | None) -> str | None:
    """JSON list of instance ids as text, duplicates dropped, order kept."""
    if ids is None:
        return None
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise StoreError(f"ids must be a list of instance ids, got {ids!r}.")
    out: dict[str, None] = {}
    for value in ids:
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise StoreError(f"Instance ids must be text or integers, got {value!r}.")
        out[str(value)] = None
    return json.dumps(list(out))
