"""The stored objects handed to callers: frozen snapshots of rows, detached from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Folder:
    """A named group of slices."""

    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Slice:
    """A named subset of instances: a filter, a set of instance ids, or both (AND).

    ``filter`` is the JSON dict of :mod:`zenohub.filters` (rebuild it with
    :func:`zenohub.filters.filter_from_dict`); ``ids`` are instance ids as text, e.g. from a lasso.
    ``folder_id`` is None for a top-level slice. Times are timezone-aware UTC.
    """

    id: int
    name: str
    folder_id: int | None
    filter: dict[str, Any] | None
    ids: list[str] | None
    description: str
    created_at: datetime
    updated_at: datetime
