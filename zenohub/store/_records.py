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


@dataclass(frozen=True)
class StoredTest:
    """One behavioral test of a report: its name and its JSON ``spec`` (see zenohub.analysis)."""

    id: int
    name: str
    position: int
    spec: dict[str, Any]


@dataclass(frozen=True)
class Report:
    """A named report: ``spec`` holds its slices, models, metrics, transforms and charts (JSON),
    ``tests`` its behavioral tests in order."""

    id: int
    name: str
    spec: dict[str, Any]
    tests: tuple[StoredTest, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test for one model in one run."""

    __test__ = False  # not a pytest test class

    run_id: int
    created_at: datetime
    source: str
    report: str
    test: str
    model: str
    status: str  #: "pass", "fail" or "cannot evaluate"
    value: float | None
    message: str


@dataclass(frozen=True)
class TestRun:
    """One run of tests: when, from where (cli, app, python), and every result."""

    __test__ = False

    id: int
    created_at: datetime
    source: str
    results: tuple[TestResult, ...]
