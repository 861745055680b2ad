"""Per-session state of the Analysis page (param, no Panel): the trend table and reports.

Views bind to its parameters; tests set them and call its actions. Every report edit goes
through :func:`~zenohub.analysis.put_report`, so ``tests.toml`` follows the app.
"""

from __future__ import annotations

import math
from typing import Any

import param

from ..errors import ZenohubError
from ..project import Project
from ._checks import Evaluator, Status
from ._runner import TestResult, evaluate_report, failing_counts, latest_model, run_tests
from ._specs import ChartSpec, ReportSpec, TestSpec
from ._testfile import load_tests, put_report, remove_report, stored_reports
from ._trends import TrendTable, slice_trends

#: the folder choice meaning "every slice"
ALL_FOLDERS = "(all folders)"
#: the transform choice meaning the original instances
NO_TRANSFORM = "(none)"


class AnalysisState(param.Parameterized):
    """The Analysis page of one session: table settings, the selected report and its results."""

    project = param.ClassSelector(class_=Project, constant=True, doc="""The processed project.""")
    metric: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Metric of the slice x model table."""
    )
    transform: param.Selector = param.Selector(
        default=NO_TRANSFORM, objects=[NO_TRANSFORM], doc="""Transform of the table."""
    )
    folder: param.Selector = param.Selector(
        default=ALL_FOLDERS, objects=[ALL_FOLDERS], doc="""Only this folder's slices."""
    )
    report_name: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""The report being viewed."""
    )
    test_name: param.Selector = param.Selector(
        default=None, objects=[], allow_None=True, doc="""Test whose history is shown."""
    )
    message = param.String(default="", doc="""Why the last action changed nothing.""")

    trends = param.ClassSelector(
        class_=TrendTable, allow_None=True, constant=True, doc="""The slice x model table."""
    )
    reports = param.List(default=[], constant=True, doc="""Every report (ReportSpec).""")
    failing = param.Dict(
        default={}, constant=True, doc="""Report name -> tests not passing for the latest model."""
    )
    results = param.List(
        default=[], constant=True, doc="""TestResult per test and model of the selected report."""
    )

    def __init__(self, project: Project, **params: Any) -> None:
        super().__init__(project=project, **params)
        p = self.proj
        with param.discard_events(self):
            self.param.metric.objects = p.metrics
            self.param.transform.objects = [NO_TRANSFORM, *p.transforms]
            if self.metric is None and p.metrics:
                self.metric = p.metrics[0]
        try:
            load_tests(p)
        except ZenohubError as exc:
            self.message = str(exc)
        self.refresh()

    @property
    def proj(self) -> Project:
        assert self.project is not None
        return self.project

    @property
    def report(self) -> ReportSpec | None:
        for r in self.reports:
            if r.name == self.report_name:
                return r  # type: ignore[no-any-return]
        return None

    @property
    def latest_model(self) -> str:
        return latest_model(self.proj)

    # --- derived ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read slices, folders and reports from the store and recompute what shows them."""
        store = self.proj.store
        folders = [ALL_FOLDERS, *(f.name for f in store.folders())]
        reports = stored_reports(self.proj)
        # not under discard_events: widgets listen to the option lists too
        self.param.folder.objects = folders
        if self.folder not in folders:
            self.folder = ALL_FOLDERS
        names = [r.name for r in reports]
        self.param.report_name.objects = names
        with param.edit_constant(self):
            self.reports = reports
            self.failing = failing_counts(self.proj) if self.proj.models else {}
        if self.report_name not in names:
            self.report_name = names[0] if names else None
        self._on_table()
        self._on_report()

    @param.depends("metric", "transform", "folder", watch=True)
    def _on_table(self) -> None:
        table = None
        if self.metric:
            try:
                table = slice_trends(
                    self.proj,
                    self.metric,
                    None if self.transform == NO_TRANSFORM else self.transform,
                    folder=None if self.folder == ALL_FOLDERS else self.folder,
                )
            except ZenohubError as exc:
                self.message = str(exc)
        with param.edit_constant(self):
            self.trends = table

    @param.depends("report_name", watch=True)
    def _on_report(self) -> None:
        report = self.report
        results: list[TestResult] = []
        if report is not None:
            results = evaluate_report(self.proj, report, evaluator=Evaluator(self.proj))
        names = [t.name for t in report.tests] if report else []
        self.param.test_name.objects = names
        if self.test_name not in names:
            self.test_name = names[0] if names else None
        with param.edit_constant(self):
            self.results = results

    def grid(self) -> dict[str, dict[str, TestResult]]:
        """Test name -> model -> result, for the red / green grid."""
        out: dict[str, dict[str, TestResult]] = {}
        for r in self.results:
            out.setdefault(r.test.name, {})[r.model] = r
        return out

    def models(self) -> list[str]:
        report = self.report
        return list((report.models if report else ()) or self.proj.models)

    # --- actions (each returns whether it worked; ``message`` says why not) -----------------
    def _do(self, action: Any) -> bool:
        try:
            action()
        except ZenohubError as exc:
            self.message = str(exc)
            return False
        self.message = ""
        self.refresh()
        return True

    def create_report(self, name: str) -> bool:
        """A new, empty report showing every model and the table's metric."""
        name = name.strip()
        if not name:
            self.message = "Give the report a name."
            return False
        if any(r.name == name for r in self.reports):
            self.message = f"A report named '{name}' already exists; choose another name."
            return False
        spec = ReportSpec(name=name, metrics=(self.metric,) if self.metric else ())
        if not self._do(lambda: put_report(self.proj, spec)):
            return False
        self.report_name = name
        return True

    def update_report(self, **changes: Any) -> bool:
        """Change the selected report: slices, models, metrics, transforms, description, name."""
        report = self.report
        if report is None:
            self.message = "Create or choose a report first."
            return False
        new = {
            **report.to_dict(),
            **{k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()},
        }

        def act() -> None:
            put_report(self.proj, ReportSpec.from_dict(new), old_name=report.name)

        if not self._do(act):
            return False
        if "name" in changes:
            self.report_name = changes["name"]
        return True

    def add_chart(self, **chart: Any) -> bool:
        report = self.report
        if report is None:
            self.message = "Create or choose a report first."
            return False
        try:
            spec = ChartSpec.from_dict(chart)
        except ZenohubError as exc:
            self.message = str(exc)
            return False
        return self.update_report(charts=[*(c.to_dict() for c in report.charts), spec.to_dict()])

    def remove_chart(self, index: int) -> bool:
        report = self.report
        if report is None or not 0 <= index < len(report.charts):
            self.message = "No such chart."
            return False
        charts = [c.to_dict() for i, c in enumerate(report.charts) if i != index]
        return self.update_report(charts=charts)

    def add_test(self, test: dict[str, Any]) -> bool:
        """Add (or replace, by name) a test of the selected report; bad keys change nothing."""
        report = self.report
        if report is None:
            self.message = "Create or choose a report first."
            return False
        clean = {k: v for k, v in test.items() if v not in (None, "") and not _nan(v)}
        try:
            spec = TestSpec.from_dict(clean)
        except ZenohubError as exc:
            self.message = str(exc)
            return False
        tests = [t for t in report.tests if t.name != spec.name]
        at = next((i for i, t in enumerate(report.tests) if t.name == spec.name), len(tests))
        tests.insert(at, spec)
        if not self.update_report(tests=[t.to_dict() for t in tests]):
            return False
        self.test_name = spec.name
        return True

    def remove_test(self, name: str) -> bool:
        report = self.report
        if report is None:
            self.message = "Create or choose a report first."
            return False
        return self.update_report(tests=[t.to_dict() for t in report.tests if t.name != name])

    def delete_report(self) -> bool:
        name = self.report_name
        if name is None:
            self.message = "No report selected."
            return False
        return self._do(lambda: remove_report(self.proj, name))

    def run(self) -> bool:
        """Run every report's tests for the latest model and record the run (source "app")."""
        return self._do(lambda: run_tests(self.proj, source="app"))

    def history(self) -> list[Any]:
        """The selected test's recorded results, newest first."""
        if self.report_name is None or self.test_name is None:
            return []
        return self.proj.store.test_history(self.report_name, self.test_name)

    def status_counts(self) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for r in self.results:
            counts[r.status] += 1
        return counts


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)
