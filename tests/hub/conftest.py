"""Hub fixtures: registry folders written here in the bundled format, and a real hub server."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ServerProcess, free_port
from zenohub.cli import main

X_CUBED = '''"""x cubed, a toy distill."""

from zenohub import distill


@distill
def x_cubed(df, ops):
    """The cube of the data column.

    Useful to *test* the hub: `x ** 3` per instance.
    """
    return (df[ops.data_column] ** 3).to_numpy()
'''

MEAN_X = '''from zenohub import metric


@metric
def mean_x(df, ops):
    """Mean of the data column over the subset."""
    return float(df[ops.data_column].mean()) if len(df) else float("nan")
'''

NEGATE = '''from zenohub import transform


@transform
def negate(df, ops):
    """Flip the sign of the data column."""
    out = df[[ops.id_column, ops.data_column]].copy()
    out[ops.data_column] = -out[ops.data_column]
    return out
'''


def booby_trap(marker: Path) -> str:
    """A source that writes ``marker`` and raises if anything ever imports it."""
    return f'''import pathlib

pathlib.Path({str(marker)!r}).write_text("imported")
raise RuntimeError("this module must never be imported by the hub")

from zenohub import distill


@distill
def trap(df, ops):
    """Looks harmless <script>alert(1)</script>."""
    return df[ops.data_column]
'''


def write_function(root: Path, name: str, version: str, source: str, **meta: object) -> Path:
    """One function version in the registry folder format (manifest written by hand)."""
    folder = root / name / version
    folder.mkdir(parents=True)
    data = source.encode()
    (folder / f"{name}.py").write_bytes(data)
    manifest = {
        "name": name,
        "kind": meta.pop("kind", "distill"),
        "version": version,
        "summary": meta.pop("summary", f"{name} summary"),
        "description": meta.pop("description", ""),
        "tags": meta.pop("tags", []),
        "data_types": meta.pop("data_types", ["tabular"]),
        "author": meta.pop("author", "tests"),
        "license": "BSD-3-Clause",
        "requirements": meta.pop("requirements", []),
        "entry": name,
        "source": f"{name}.py",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert not meta, meta
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder


def make_registry(root: Path, marker: Path) -> Path:
    root.mkdir(parents=True)
    write_function(
        root,
        "x_cubed",
        "1.0.0",
        X_CUBED,
        summary="The cube of x",
        tags=["math", "toy"],
        requirements=["numpy>=1.26"],
    )
    write_function(root, "x_cubed", "0.9.0", X_CUBED.replace("** 3", "** 2"), summary="old")
    write_function(root, "mean_x", "1.0.0", MEAN_X, kind="metric", summary="Mean of x")
    write_function(
        root,
        "negate",
        "1.0.0",
        NEGATE,
        kind="transform",
        summary="Negate x",
        data_types=["tabular", "text"],
    )
    write_function(
        root,
        "trap",
        "1.0.0",
        booby_trap(marker),
        summary="Looks harmless",
        data_types=["image"],
        tags=["blur"],
    )
    return root


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    """A fresh registry folder with x_cubed (1.0.0, 0.9.0), mean_x, negate and trap."""
    return make_registry(tmp_path / "registry", tmp_path / "imported.marker")


def zenohub(
    *args: str, check: bool = True, subprocess_: bool = False
) -> subprocess.CompletedProcess:
    """Run the ``zenohub`` command line: in this process by default (the same parser and
    commands, without a second interpreter's start-up), in a subprocess with ``subprocess_``."""
    if subprocess_:
        proc = subprocess.run(
            [sys.executable, "-m", "zenohub.cli", *args], capture_output=True, text=True
        )
    else:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        proc = subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
    if check and proc.returncode:
        raise AssertionError(f"zenohub {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc


class HubServer(ServerProcess):
    """``zenohub hub serve`` in a subprocess on a free port of 127.0.0.1."""

    def __init__(self, registry: Path, *extra: str) -> None:
        self.registry = registry
        port = free_port()
        super().__init__(
            [
                sys.executable,
                "-m",
                "zenohub.cli",
                "hub",
                "serve",
                "--registry",
                str(registry),
                "--port",
                str(port),
                *extra,
            ],
            port,
            registry.parent / f"hub-{port}.log",
            timeout=60,
        )
        self.url = f"http://127.0.0.1:{port}"

    def token(self, user: str) -> str:
        out = zenohub("hub", "token", "create", user, "--registry", str(self.registry))
        return out.stdout.strip()

    def snapshot(self) -> tuple[list[tuple], list[str]]:
        """The index rows and the blob files: what a refused request must leave unchanged."""
        with sqlite3.connect(self.registry / "hub.db") as db:
            rows = sorted(db.execute("SELECT * FROM versions")) + sorted(
                db.execute("SELECT * FROM names")
            )
        blobs = sorted(str(p.relative_to(self.registry)) for p in self.registry.glob("blobs/**/*"))
        return rows, blobs


@pytest.fixture(scope="session")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    """One hub server for the session (tests publish under names of their own)."""
    base = tmp_path_factory.mktemp("hub")
    server = HubServer(
        make_registry(base / "registry", base / "imported.marker"), "--max-upload", "20000"
    )
    yield server
    server.stop()
