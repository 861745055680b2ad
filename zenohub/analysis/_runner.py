"""Run a project's behavioral tests headless: results per test and model, history, JUnit XML."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import NotFoundError, did_you_mean
from ._checks import Evaluator, Outcome, Status
from ._specs import ReportSpec, TestSpec
from ._testfile import stored_reports

if TYPE_CHECKING:
    from ..project import Project


@dataclass(frozen=True)
class TestResult:
    """One test's outcome for one model."""

    __test__ = False

    report: str
    test: TestSpec
    model: str
    outcome: Outcome

    @property
    def status(self) -> Status:
        return self.outcome.status


@dataclass(frozen=True)
class RunResult:
    """Every result of a run, and its id in the store (None when not recorded)."""

    results: tuple[TestResult, ...]
    models: tuple[str, ...]
    run_id: int | None = None

    def count(self, status: Status) -> int:
        return sum(r.status is status for r in self.results)

    @property
    def ok(self) -> bool:
        """True when every test passed (a test that cannot be evaluated is not a pass)."""
        return all(r.status is Status.PASS for r in self.results)


def latest_model(project: Project) -> str:
    """The newest model: the last of the config's ``models``."""
    if not project.models:
        raise NotFoundError("The project has no models to test.")
    return project.models[-1]


def evaluate_report(
    project: Project,
    report: ReportSpec,
    models: Sequence[str] | None = None,
    evaluator: Evaluator | None = None,
) -> list[TestResult]:
    """Every test of ``report`` for each of ``models`` (default: the report's models)."""
    ev = evaluator or Evaluator(project)
    chosen = list(models) if models is not None else list(report.models or project.models)
    return [
        TestResult(report.name, test, model, ev.evaluate(test, model, report.slices))
        for test in report.tests
        for model in chosen
    ]


def run_tests(
    project: Project,
    reports: Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    *,
    source: str = "python",
    record: bool = True,
) -> RunResult:
    """Run the tests of ``reports`` (default all) for ``models`` (default the latest model).

    With ``record`` the run is saved in the store (model, time, each result): the app shows a
    test's history from it.
    """
    specs = stored_reports(project)
    if reports is not None:
        names = [r.name for r in specs]
        for name in reports:
            if name not in names:
                raise NotFoundError(
                    f"No report named '{name}'{did_you_mean(name, names)}; reports: "
                    f"{', '.join(names) or 'none (add [[reports]] to tests.toml)'}."
                )
        specs = [r for r in specs if r.name in reports]
    chosen = tuple(models) if models is not None else (latest_model(project),)
    ev = Evaluator(project)
    results: list[TestResult] = []
    for spec in specs:
        results += evaluate_report(project, spec, chosen, ev)
    run_id = None
    if record:
        run = project.store.record_run(
            [
                {
                    "report": r.report,
                    "test": r.test.name,
                    "model": r.model,
                    "status": r.status.value,
                    "value": r.outcome.value,
                    "message": r.outcome.message,
                }
                for r in results
            ],
            source=source,
        )
        run_id = run.id
    return RunResult(tuple(results), chosen, run_id)


def failing_counts(project: Project, model: str | None = None) -> dict[str, int]:
    """Per report, how many of its tests do not pass for ``model`` (default the latest)."""
    model = model or latest_model(project)
    ev = Evaluator(project)
    return {
        spec.name: sum(
            r.status is not Status.PASS for r in evaluate_report(project, spec, [model], ev)
        )
        for spec in stored_reports(project)
    }


def summary_table(result: RunResult) -> str:
    """A plain-text table of the run: one line per test and model, then the totals."""
    header = ("status", "report", "test", "model", "value", "details")
    rows = [
        (
            r.status.value.upper(),
            r.report,
            r.test.name,
            r.model,
            ""
            if r.outcome.value is None or math.isnan(r.outcome.value)
            else f"{r.outcome.value:.4g}",
            r.outcome.message,
        )
        for r in result.results
    ]
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
        for i, h in enumerate(header)
    ]
    widths[-1] = 0
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.append(
        f"{len(result.results)} results: {result.count(Status.PASS)} passed, "
        f"{result.count(Status.FAIL)} failed, {result.count(Status.CANNOT)} could not be evaluated"
    )
    return "\n".join(lines)


def junit_xml(result: RunResult, name: str = "zenohub") -> str:
    """JUnit XML: a testsuite per report, a testcase per test and model.

    A failed test is a ``<failure>``; one that cannot be evaluated is an ``<error>`` (so CI never
    counts it as passed).
    """
    root = ET.Element("testsuites", name=name)
    by_report: dict[str, list[TestResult]] = {}
    for r in result.results:
        by_report.setdefault(r.report, []).append(r)
    for report, results in by_report.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=report,
            tests=str(len(results)),
            failures=str(sum(r.status is Status.FAIL for r in results)),
            errors=str(sum(r.status is Status.CANNOT for r in results)),
            skipped="0",
        )
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{name}.{report}",
                name=f"{r.test.name} [{r.model}]",
            )
            if r.status is Status.FAIL:
                ET.SubElement(
                    case, "failure", message=r.outcome.message, type="fail"
                ).text = f"{r.test.describe()}\n{r.outcome.message}"
            elif r.status is Status.CANNOT:
                ET.SubElement(
                    case, "error", message=r.outcome.message, type="cannot evaluate"
                ).text = f"{r.test.describe()}\ncannot evaluate: {r.outcome.message}"
            else:
                ET.SubElement(case, "system-out").text = r.outcome.message
    root.set("tests", str(len(result.results)))
    root.set("failures", str(result.count(Status.FAIL)))
    root.set("errors", str(result.count(Status.CANNOT)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
