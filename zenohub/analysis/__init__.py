"""Analysis: slices tracked across models, reports, behavioral tests and their history.

Pure computation over a processed :class:`~zenohub.project.Project` (no Panel):

* :func:`slice_trends` -- the slice x model table of a metric with regression and high-variance
  alerts (significance tests, see ``_trends.py``);
* :class:`TestSpec`, :class:`ReportSpec`, :class:`ChartSpec` -- what tests and reports are;
* :class:`Evaluator` -- one test for one model: pass, fail or cannot evaluate (with the reason);
* :func:`load_tests` / :func:`save_tests` -- ``tests.toml`` beside the config <-> the store;
* :func:`run_tests`, :func:`junit_xml`, :func:`summary_table` -- what ``zenohub test`` runs;
* :class:`AnalysisState` -- the Analysis page's per-session state (param, no Panel);
* :func:`report_frame`, :func:`pair_frame`, :func:`export_table` -- data for charts and exports.
"""

from ._checks import Evaluator, Outcome, Status
from ._frames import ORIGINAL, chart_frame, export_table, pair_frame, report_frame, table_bytes
from ._runner import (
    RunResult,
    TestResult,
    evaluate_report,
    failing_counts,
    junit_xml,
    latest_model,
    run_tests,
    summary_table,
)
from ._specs import (
    CHART_KINDS,
    DIMENSIONS,
    DIRECTIONS,
    EACH_SLICE,
    OPS,
    TEST_TYPES,
    ChartSpec,
    ReportSpec,
    TestDefinitionError,
    TestSpec,
)
from ._state import ALL_FOLDERS, NO_TRANSFORM, AnalysisState
from ._testfile import (
    TESTS_FILE,
    SliceDef,
    TestsFile,
    dumps_tests,
    load_tests,
    parse_tests,
    put_report,
    read_tests,
    remove_report,
    save_tests,
    stored_reports,
    tests_path,
)
from ._trends import ALL, Alert, SliceTrend, TrendTable, slice_trends

__all__ = [
    "ALL",
    "ALL_FOLDERS",
    "CHART_KINDS",
    "DIMENSIONS",
    "DIRECTIONS",
    "EACH_SLICE",
    "NO_TRANSFORM",
    "OPS",
    "ORIGINAL",
    "TESTS_FILE",
    "TEST_TYPES",
    "Alert",
    "AnalysisState",
    "ChartSpec",
    "Evaluator",
    "Outcome",
    "ReportSpec",
    "RunResult",
    "SliceDef",
    "SliceTrend",
    "Status",
    "TestDefinitionError",
    "TestResult",
    "TestSpec",
    "TestsFile",
    "TrendTable",
    "chart_frame",
    "dumps_tests",
    "evaluate_report",
    "export_table",
    "failing_counts",
    "junit_xml",
    "latest_model",
    "load_tests",
    "pair_frame",
    "parse_tests",
    "put_report",
    "read_tests",
    "remove_report",
    "report_frame",
    "run_tests",
    "save_tests",
    "slice_trends",
    "stored_reports",
    "summary_table",
    "table_bytes",
    "tests_path",
]
