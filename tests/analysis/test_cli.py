"""``zenohub test``: exit codes, the summary table, JUnit XML, recorded runs."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from zenohub import Project
from zenohub.cli import main

PASSING = """
[[reports]]
name = "sanity"
[[reports.tests]]
name = "rotation hurts"
type = "directional"
metric = "accuracy"
transform = "rotate"
direction = "decrease"
[[reports.tests]]
name = "accurate"
type = "threshold"
metric = "accuracy"
op = ">="
value = 0.9
"""


def test_a_failing_test_exits_1_and_writes_junit(digits_copy: Path, tmp_path: Path) -> None:
    junit = tmp_path / "reports" / "junit.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "zenohub.cli",
            "test",
            str(digits_copy),
            "--junit",
            str(junit),
            "--executor",
            "sequential",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["status", "report", "test", "model", "value", "details"]
    assert sum(line.startswith("FAIL ") for line in lines) == 1
    assert "stable under noise" in next(line for line in lines if line.startswith("FAIL "))
    assert "5 results: 4 passed, 1 failed, 0 could not be evaluated" in lines
    assert lines[-1] == f"JUnit XML written to {junit}"
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "5" and suite.get("failures") == "1"
    assert len(suite.findall("testcase/failure")) == 1
    # the run is in the project's history
    project = Project.from_config(digits_copy)
    (run,) = project.store.runs()
    assert run.source == "cli" and {r.model for r in run.results} == {"mlp-v4"}
    assert [r.status for r in run.results].count("fail") == 1


def test_exit_codes(digits_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = str(digits_copy)
    passing = tmp_path / "passing.toml"
    passing.write_text(PASSING)
    assert main(["test", config, "--tests", str(passing), "--executor", "sequential"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "2 results: 2 passed, 0 failed, 0 could not be evaluated"
    # an older model fails the threshold: exit 1
    assert main(["test", config, "--tests", str(passing), "--model", "mlp-v1"]) == 1
    assert "FAIL" in capsys.readouterr().out
    # every model: mlp-v1 fails, the rest pass
    assert main(["test", config, "--tests", str(passing), "--all-models"]) == 1
    assert "8 results: 7 passed, 1 failed" in capsys.readouterr().out
    # usage and config errors: exit 2 with a message saying what to fix
    assert main(["test", config, "--model", "mlp-v9"]) == 2
    assert "No model named 'mlp-v9'; models: mlp-v1, mlp-v2, mlp-v3, mlp-v4" in (
        capsys.readouterr().err
    )
    assert main(["test", config, "--report", "release check"]) == 2
    assert "No report named 'release check' (did you mean 'release checks'?)" in (
        capsys.readouterr().err
    )
    missing = tmp_path / "none.toml"
    assert main(["test", config, "--tests", str(missing)]) == 2
    assert f"No tests file at {missing}" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text("[[reports]]\nname = 'r'\n[[reports.tests]]\nname = 't'\ntype = 'x'\n")
    assert main(["test", config, "--tests", str(broken)]) == 2
    assert "test 't': 'type' is 'x'; allowed: threshold" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["test", config, "--bogus"])
    assert info.value.code == 2
