"""Reports, their behavioral tests and the history of test runs: the store's second half.

:class:`ReportsMixin` adds these to :class:`~zenohub.store.Store`. A report's content (slices,
models, metrics, transforms, charts) and each test are JSON the store keeps as given; what they
mean is :mod:`zenohub.analysis`'s business. Results name their report and test, so a run's
history stays readable after the report is renamed or deleted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from ..errors import StoreError
from . import _common as _s
from ._records import Report, StoredTest, TestResult, TestRun
from ._schema import reports, test_results, test_runs, tests

#: statuses a test result may have
STATUSES = ("pass", "fail", "cannot evaluate")

TestSpecs = Sequence[Mapping[str, Any]]


class ReportsMixin:
    """Report, test and test-run methods of :class:`~zenohub.store.Store`."""

    if TYPE_CHECKING:  # provided by Store

        def _read(self) -> AbstractContextManager[Connection]: ...

        def _write(self, bump: bool = True) -> AbstractContextManager[Connection]: ...

    # -- reports ---------------------------------------------------------------------------------

    def reports(self) -> list[Report]:
        """Every report with its tests, in creation order."""
        with self._read() as conn:
            return [
                _report(conn, row) for row in conn.execute(select(reports).order_by(reports.c.id))
            ]

    def get_report(self, id_or_name: _s.Key) -> Report:
        """The report with this id or name; NotFoundError if there is none."""
        with self._read() as conn:
            return _report(conn, _s._find(conn, reports, "report", id_or_name))

    def create_report(
        self, name: str, spec: Mapping[str, Any] | None = None, tests: TestSpecs = ()
    ) -> Report:
        """A new report holding ``spec`` (JSON-able) and ``tests`` (each a dict with a name)."""
        name = _s._clean_name(name, "report")
        spec_json = _json(spec or {}, "report")
        now = _s._now()
        with self._write() as conn:
            _s._check_unique(conn, reports, "report", name)
            row = conn.execute(
                insert(reports)
                .values(name=name, spec=spec_json, created_at=now, updated_at=now)
                .returning(*reports.c)
            ).one()
            _replace_tests(conn, row.id, tests)
            return _report(conn, row)

    def update_report(
        self,
        id_or_name: _s.Key,
        *,
        name: str | None = None,
        spec: Mapping[str, Any] | None = None,
        tests: TestSpecs | None = None,
    ) -> Report:
        """Rename a report, replace its spec, and / or replace its tests (None leaves it)."""
        with self._write() as conn:
            row = _s._find(conn, reports, "report", id_or_name)
            changes: dict[str, Any] = {"updated_at": _s._now()}
            if name is not None:
                changes["name"] = _s._clean_name(name, "report")
                _s._check_unique(conn, reports, "report", changes["name"], exclude_id=row.id)
            if spec is not None:
                changes["spec"] = _json(spec, "report")
            if tests is not None:
                _replace_tests(conn, row.id, tests)
            new = conn.execute(
                update(reports)
                .where(reports.c.id == row.id)
                .values(**changes)
                .returning(*reports.c)
            ).one()
            return _report(conn, new)

    def delete_report(self, id_or_name: _s.Key) -> None:
        """Delete a report and its tests (their run history stays)."""
        with self._write() as conn:
            row = _s._find(conn, reports, "report", id_or_name)
            conn.execute(delete(tests).where(tests.c.report_id == row.id))
            conn.execute(delete(reports).where(reports.c.id == row.id))

    def replace_reports(self, items: Iterable[tuple[str, Mapping[str, Any], TestSpecs]]) -> None:
        """Make the stored reports exactly ``items`` (name, spec, tests), in one transaction.

        Reports keep their id (and creation time) when their name is kept; others are deleted.
        """
        items = list(items)
        names = [_s._clean_name(name, "report") for name, _, _ in items]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise StoreError(f"Report names must be unique; repeated: {', '.join(dupes)}.")
        now = _s._now()
        with self._write() as conn:
            existing = {
                row.name: row.id for row in conn.execute(select(reports.c.id, reports.c.name))
            }
            for gone in set(existing) - set(names):
                conn.execute(delete(tests).where(tests.c.report_id == existing[gone]))
                conn.execute(delete(reports).where(reports.c.id == existing[gone]))
            for name, (_, spec, report_tests) in zip(names, items, strict=True):
                spec_json = _json(spec, "report")
                if name in existing:
                    report_id = existing[name]
                    conn.execute(
                        update(reports)
                        .where(reports.c.id == report_id)
                        .values(spec=spec_json, updated_at=now)
                    )
                else:
                    report_id = conn.execute(
                        insert(reports)
                        .values(name=name, spec=spec_json, created_at=now, updated_at=now)
                        .returning(reports.c.id)
                    ).scalar_one()
                _replace_tests(conn, report_id, report_tests)

    # -- test runs -------------------------------------------------------------------------------

    def record_run(self, results: Iterable[Mapping[str, Any]], source: str = "python") -> TestRun:
        """Save one run: each result has report, test, model, status, value and message."""
        rows = [_result_values(r) for r in results]
        now = _s._now()
        with self._write() as conn:
            run_id = conn.execute(
                insert(test_runs)
                .values(created_at=now, source=str(source))
                .returning(test_runs.c.id)
            ).scalar_one()
            if rows:
                conn.execute(insert(test_results), [{**r, "run_id": run_id} for r in rows])
        return TestRun(
            run_id,
            _s._utc(now),
            str(source),
            tuple(TestResult(run_id, _s._utc(now), str(source), **r) for r in rows),
        )

    def runs(self, limit: int | None = None) -> list[TestRun]:
        """Test runs, newest first (at most ``limit``)."""
        with self._read() as conn:
            query = select(test_runs).order_by(test_runs.c.id.desc())
            if limit is not None:
                query = query.limit(limit)
            out = []
            for run in conn.execute(query).all():
                results = conn.execute(
                    select(test_results)
                    .where(test_results.c.run_id == run.id)
                    .order_by(test_results.c.id)
                )
                out.append(
                    TestRun(
                        run.id,
                        _s._utc(run.created_at),
                        run.source,
                        tuple(_result(r, run) for r in results),
                    )
                )
            return out

    def test_history(
        self, report: str, test: str, model: str | None = None, limit: int = 50
    ) -> list[TestResult]:
        """A test's results over runs, newest first (optionally one model's)."""
        with self._read() as conn:
            query = (
                select(test_results, test_runs.c.created_at, test_runs.c.source)
                .join(test_runs, test_runs.c.id == test_results.c.run_id)
                .where(test_results.c.report == report, test_results.c.test == test)
                .order_by(test_results.c.run_id.desc(), test_results.c.id)
                .limit(limit)
            )
            if model is not None:
                query = query.where(test_results.c.model == model)
            return [_result(r, r) for r in conn.execute(query)]


# -- helpers -------------------------------------------------------------------------------------


def _json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"A {what} must be JSON data (text, numbers, lists, tables): {exc}."
        ) from None


def _replace_tests(conn: Connection, report_id: int, specs: TestSpecs) -> None:
    names: list[str] = []
    for spec in specs:
        if not isinstance(spec, Mapping):
            raise StoreError(f"A test is a table with a name, got {spec!r}.")
        names.append(_s._clean_name(spec.get("name"), "test"))
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise StoreError(
            f"Test names must be unique within a report; repeated: {', '.join(dupes)}."
        )
    conn.execute(delete(tests).where(tests.c.report_id == report_id))
    rows = [
        {"report_id": report_id, "name": name, "position": i, "spec": _json(dict(spec), "test")}
        for i, (name, spec) in enumerate(zip(names, specs, strict=True))
    ]
    if rows:
        conn.execute(insert(tests), rows)


def _stored_tests(conn: Connection, report_id: int) -> Iterator[StoredTest]:
    query = select(tests).where(tests.c.report_id == report_id).order_by(tests.c.position)
    for row in conn.execute(query):
        yield StoredTest(row.id, row.name, row.position, json.loads(row.spec))


def _report(conn: Connection, row: Row[Any]) -> Report:
    return Report(
        id=row.id,
        name=row.name,
        spec=json.loads(row.spec),
        tests=tuple(_stored_tests(conn, row.id)),
        created_at=_s._utc(row.created_at),
        updated_at=_s._utc(row.updated_at),
    )


def _result_values(result: Mapping[str, Any]) -> dict[str, Any]:
    status = result.get("status")
    if status not in STATUSES:
        raise StoreError(f"A test result's status is one of {', '.join(STATUSES)}, got {status!r}.")
    value = result.get("value")
    if value is not None:
        value = float(value)
        value = None if math.isnan(value) else value
    return {
        "report": str(result["report"]),
        "test": str(result["test"]),
        "model": str(result["model"]),
        "status": str(status),
        "value": value,
        "message": str(result.get("message", "")),
    }


def _result(row: Row[Any], run: Any) -> TestResult:
    return TestResult(
        run_id=row.run_id,
        created_at=_s._utc(run.created_at),
        source=run.source,
        report=row.report,
        test=row.test,
        model=row.model,
        status=row.status,
        value=row.value,
        message=row.message,
    )
