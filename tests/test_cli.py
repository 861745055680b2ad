"""The ``zenohub`` command: exit codes and what it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from zenohub import __version__
from zenohub.cli import main

SUMMARY = re.compile(
    r"^toy: 300 rows, (\d+) computed, (\d+) from cache, (\d+) failed \(sequential, [\d.]+ s\)$"
)


def zenohub_cmd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zenohub.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    done = zenohub_cmd("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"zenohub {__version__}"


def test_process_prints_one_summary_line(toy: Path) -> None:
    done = zenohub_cmd("process", str(toy / "config.toml"), "-q")
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    match = SUMMARY.match(line)
    assert match is not None, line
    assert match.groups() == ("13", "0", "0")
    assert done.stderr == ""
    assert (toy / ".zenohub_cache" / "columns").is_dir()


def test_second_process_reads_everything_from_cache(
    toy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["process", str(toy), "-q"]) == 0
    capsys.readouterr()
    assert main(["process", str(toy / "config.toml"), "-q", "--executor", "sequential"]) == 0
    match = SUMMARY.match(capsys.readouterr().out.strip())
    assert match is not None and match.groups() == ("0", "13", "0")


def test_failing_project_exits_1_with_the_error_on_stderr(
    toy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZENOHUB_TOY_FAIL", "x_squared:r000")
    assert main(["process", str(toy / "config.toml"), "-q"]) == 1
    out, err = capsys.readouterr()
    match = SUMMARY.match(out.splitlines()[0])
    assert match is not None and match.group(3) == "2"  # x_squared, and x_squared under shift
    assert "skipped: distill x_squared_plus_one: skipped because it reads ['x_squared']" in err
    assert "error: distill function 'x_squared' failed on the batch starting at id 'r000'" in err
    assert "ValueError: toy failure in x_squared on the batch holding r000" in err
    assert "Traceback (most recent call last)" in err


def test_bad_config_exits_2_with_the_message(toy: Path) -> None:
    config = toy / "config.toml"
    config.write_text(config.read_text().replace("models =", "modles ="))
    done = zenohub_cmd("process", str(config), "-q")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(
        f"error: {config}: unknown key 'modles' (did you mean 'models'?)."
    )


def test_missing_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", str(tmp_path / "nope.toml")]) == 2
    assert (
        capsys.readouterr().err == f"error: Config file {tmp_path / 'nope.toml'} does not exist.\n"
    )


def test_unknown_executor_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["process", "x.toml", "--executor", "threads"])
    assert info.value.code == 2
    assert "invalid choice: 'threads'" in capsys.readouterr().err
