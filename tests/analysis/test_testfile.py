"""Tests as code: tests.toml <-> the store, runs and their history, JUnit XML."""

from __future__ import annotations

import dataclasses
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.analysis.conftest import EXAMPLES
from zenohub import Project
from zenohub.analysis import (
    ReportSpec,
    Status,
    TestDefinitionError,
    TestSpec,
    dumps_tests,
    failing_counts,
    junit_xml,
    load_tests,
    parse_tests,
    put_report,
    read_tests,
    remove_report,
    run_tests,
    stored_reports,
    summary_table,
)

SHIPPED = EXAMPLES / "digits" / "tests.toml"


def test_the_shipped_tests_file_round_trips() -> None:
    content = read_tests(SHIPPED)
    assert [s.name for s in content.slices] == ["dark digits", "ones", "fours"]
    (report,) = content.reports
    assert report.name == "release checks" and len(report.tests) == 5
    assert {t.type for t in report.tests} == {
        "threshold",
        "confident",
        "no_regression",
        "invariance",
        "directional",
    }
    text = dumps_tests(content.slices, content.reports)
    assert parse_tests(text) == content
    assert tomllib.loads(text)["reports"][0]["tests"][0] == {
        "name": "accurate on dark digits",
        "type": "threshold",
        "metric": "accuracy",
        "slice": "dark digits",
        "op": ">=",
        "value": 0.9,
    }


def test_bad_files_name_the_file_and_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "tests.toml"
    cases = {
        "[[report]]\nname = 'x'\n": "unknown top-level key 'report'",
        "[[reports]]\nname = 'r'\n[[reports.tests]]\nname = 'a'\ntype = 'threshold'\n": (
            "test 'a': a threshold test needs a 'metric'"
        ),
        "[[reports]]\nname = 'r'\n[[reports.charts]]\nkind = 'pie'\n": (
            "report 'r', chart 1: 'kind' is 'pie'; allowed: bar, line, table, heatmap"
        ),
        "[[slices]]\nname = 's'\n": "slice 's' needs a 'filter', 'ids', or both",
        "[[slices]]\nname = 's'\nfilter = { column = 'a', op = '=~', value = 1 }\n": (
            "Unknown filter op '=~'"
        ),
        "[[reports]\n": "not valid TOML",
    }
    for text, message in cases.items():
        path.write_text(text)
        with pytest.raises(TestDefinitionError) as info:
            read_tests(path)
        assert str(path) in str(info.value) and message in str(info.value), str(info.value)


def test_loading_syncs_the_store_and_runs_are_recorded(digits_copy: Path) -> None:
    project = Project.from_config(digits_copy)
    project.process(executor="sequential")
    project.store.create_report("made in the app", {"slices": []})
    project.store.create_slice("ones", filter={"column": "label", "op": "==", "value": 7})
    load_tests(project)
    # the file is the truth: its reports exactly, its slice definitions
    assert [r.name for r in project.store.reports()] == ["release checks"]
    assert project.store.get_slice("ones").filter == {"column": "label", "op": "==", "value": 1}
    assert project.store.get_slice("dark digits").folder_id is not None

    first = run_tests(project, source="cli")
    second = run_tests(project, models=["mlp-v3", "mlp-v4"])
    assert first.models == ("mlp-v4",)  # the latest model by default
    latest = {r.test.name: r.status for r in first.results}
    assert latest == {
        "accurate on dark digits": Status.PASS,
        "confidently accurate overall": Status.PASS,
        "no slice drops 2 points": Status.PASS,
        "stable under noise": Status.FAIL,  # the one red test of the story
        "rotation hurts": Status.PASS,
    }
    assert not first.ok and first.count(Status.FAIL) == 1
    assert failing_counts(project) == {"release checks": 1}
    # mlp-v1 fails three tests and cannot be compared with a previous model: 4 not passing
    assert failing_counts(project, "mlp-v1")["release checks"] == 4
    history = project.store.test_history("release checks", "stable under noise")
    assert [(h.run_id, h.model) for h in history] == [
        (second.run_id, "mlp-v3"),
        (second.run_id, "mlp-v4"),
        (first.run_id, "mlp-v4"),
    ]
    assert history[-1].source == "cli" and history[-1].status == "fail"
    assert history[-1].value == pytest.approx(
        next(r.outcome.value for r in first.results if r.test.name == "stable under noise")
    )
    text = summary_table(first)
    (line,) = [row for row in text.splitlines() if "stable under noise" in row]
    assert line.split()[:6] == ["FAIL", "release", "checks", "stable", "under", "noise"]
    assert text.splitlines()[-1] == "5 results: 4 passed, 1 failed, 0 could not be evaluated"
    with pytest.raises(Exception, match="No report named 'release check' "):
        run_tests(project, reports=["release check"])


def test_edits_are_written_back_to_tests_toml(digits_copy: Path) -> None:
    project = Project.from_config(digits_copy)
    project.process(executor="sequential")
    load_tests(project)
    (report,) = stored_reports(project)
    added = TestSpec.from_dict(
        {
            "name": "fours stay accurate",
            "type": "confident",
            "metric": "accuracy",
            "slice": "fours",
            "op": ">",
            "value": 0.8,
            "confidence": 0.9,
        }
    )
    put_report(project, report.with_tests((*report.tests, added)))
    file = digits_copy.parent / "tests.toml"
    written = tomllib.loads(file.read_text())
    assert written["reports"][0]["tests"][-1] == {
        "name": "fours stay accurate",
        "type": "confident",
        "metric": "accuracy",
        "slice": "fours",
        "op": ">",
        "value": 0.8,
        "confidence": 0.9,
    }
    assert file.read_text().startswith("# zenohub behavioral tests")
    assert not list(file.parent.glob(".tests.toml.*"))  # the temporary file was renamed
    # renaming and a second report
    put_report(project, ReportSpec("smoke", slices=("ones",)), old_name=None)
    renamed = ReportSpec.from_dict({**report.to_dict(), "name": "ship it"})
    put_report(project, renamed, old_name="release checks")
    content = read_tests(file)
    assert [r.name for r in content.reports] == ["ship it", "smoke"]
    assert [s.name for s in content.slices] == ["dark digits", "ones", "fours"]
    remove_report(project, "smoke")
    assert [r.name for r in read_tests(file).reports] == ["ship it"]


def test_junit_xml_parses_with_the_right_counts(digits: Project) -> None:
    result = run_tests(digits, models=["mlp-v1", "mlp-v4"], record=False)
    assert result.run_id is None
    root = ET.fromstring(junit_xml(result, name="digits"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert suite.get("name") == "release checks" and len(cases) == int(suite.get("tests")) == 10
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    assert int(suite.get("failures")) == len(failures) == result.count(Status.FAIL) == 4
    assert int(suite.get("errors")) == len(errors) == 1  # mlp-v1 has no previous model
    assert errors[0].get("name") == "no slice drops 2 points [mlp-v1]"
    assert "first model" in errors[0].find("error").get("message")
    assert {c.get("name") for c in failures} >= {"stable under noise [mlp-v4]"}


def test_a_broken_or_read_only_file_is_never_overwritten(digits_copy: Path) -> None:
    project = Project.from_config(digits_copy)
    project.process(executor="sequential")
    load_tests(project)
    (report,) = stored_reports(project)
    file = digits_copy.parent / "tests.toml"
    broken = file.read_text().replace('type = "threshold"', 'type = "treshold"', 1)
    file.write_text(broken)
    with pytest.raises(TestDefinitionError, match="Fix the file before editing tests in the app"):
        put_report(project, ReportSpec("another"))
    assert file.read_text() == broken and [r.name for r in project.store.reports()] == [report.name]
    locked = Project(dataclasses.replace(project.config, editable=False))
    with pytest.raises(TestDefinitionError, match="read-only \\(editable = false\\)"):
        remove_report(locked, report.name)
    assert file.read_text() == broken
