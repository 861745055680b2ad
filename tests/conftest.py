"""Fixtures shared by the core tests: fresh copies of the toy project and call counters."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from zenohub import Project

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "projects" / "toy"
EXAMPLES = ROOT / "examples"
#: environment variables the toy functions obey (see tests/projects/toy/functions)
TOY_ENV = ("ZENOHUB_TOY_CALLS", "ZENOHUB_TOY_FAIL", "ZENOHUB_TOY_KILL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A server command in a subprocess (output in ``log``), ready once 127.0.0.1:``port``
    accepts connections; :meth:`stop` ends it."""

    def __init__(self, argv: Sequence[str], port: int, log: Path, timeout: float = 240) -> None:
        self.port, self.log = port, log
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = subprocess.Popen(list(argv), stdout=log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{argv[:4]} exited: {log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{argv[:4]} did not start: {log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def copy_project(src: Path, dst: Path) -> Path:
    """Copy a project folder without its cache (the repository's projects stay untouched)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".zenohub_cache", "__pycache__"))
    return dst


class Calls:
    """How often each toy function ran, counted in files (worker processes count too)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def counts(self) -> Counter[str]:
        return Counter({p.name: len(p.read_text().splitlines()) for p in self.folder.iterdir()})

    def reset(self) -> None:
        for p in self.folder.iterdir():
            p.unlink()


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    """A fresh copy of the toy project (its folder; the config is ``config.toml`` inside)."""
    return copy_project(TOY, tmp_path / "toy")


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Counts the toy functions' calls in this test (sets ``ZENOHUB_TOY_CALLS``)."""
    counter = Calls(tmp_path / "calls")
    monkeypatch.setenv("ZENOHUB_TOY_CALLS", str(counter.folder))
    return counter


@pytest.fixture(scope="session")
def toy_processed(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The toy project processed once, sequentially, for tests that only read it."""
    path = copy_project(TOY, tmp_path_factory.mktemp("toy-processed") / "toy")
    with pytest.MonkeyPatch.context() as mp:
        for name in TOY_ENV:  # a test's counters or failures must not leak in
            mp.delenv(name, raising=False)
        project = Project.from_config(path / "config.toml")
        project.process()
    return project


@pytest.fixture(scope="session")
def digits_projected(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A private copy of the digits demo processed once, sequentially, UMAPs included (UMAP's
    numba compilation happens once per test process); the browser server reads its cache."""
    path = copy_project(EXAMPLES / "digits", tmp_path_factory.mktemp("projected") / "digits")
    project = Project.from_config(path / "config.toml")
    project.process(executor="sequential")
    return project
