"""Row helpers shared by the store's modules: names, lookups by id or name, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, select

from ..errors import NotFoundError, StoreError, did_you_mean

#: how many existing names a not-found error lists
_SHOW_NAMES = 8

Key = int | str


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were written as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _find(conn: Connection, table: Table, what: str, key: Key) -> Row[Any]:
    """The row of ``table`` with id or name ``key``, or NotFoundError listing what exists."""
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise StoreError(f"A {what} is given by its id (int) or name (str), got {key!r}.")
    key = key.strip() if isinstance(key, str) else key
    column = table.c.name if isinstance(key, str) else table.c.id
    row = conn.execute(select(table).where(column == key)).first()
    if row is not None:
        return row
    names = list(conn.execute(select(table.c.name).order_by(table.c.id)).scalars())
    asked = f"named '{key}'{did_you_mean(key, names)}" if isinstance(key, str) else f"with id {key}"
    if names:
        shown = ", ".join(f"'{n}'" for n in names[:_SHOW_NAMES])
        listing = f"existing {what}s: {shown}{', ...' if len(names) > _SHOW_NAMES else ''}"
    else:
        listing = f"there are no {what}s yet"
    raise NotFoundError(f"No {what} {asked}; {listing}.")


def _check_unique(
    conn: Connection, table: Table, what: str, name: str, exclude_id: int | None = None
) -> None:
    query = select(table.c.id).where(table.c.name == name)
    if exclude_id is not None:
        query = query.where(table.c.id != exclude_id)
    if conn.execute(query).first() is not None:
        raise StoreError(
            f"A {what} named '{name}' already exists; choose another name or rename that {what}."
        )


def _clean_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"A {what} name must be non-empty text, got {name!r}.")
    return name.strip()
