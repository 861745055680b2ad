"""Packaging: conda environment and pyproject agree; __all__ lists the public API."""

from __future__ import annotations

import re
import tomllib
import types
from pathlib import Path

import zenohub

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=\[ ]", req, maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = {_name(d) for d in deps} - {"dask"} | {"dask", "distributed"}
    env = (ROOT / "environment.yml").read_text()
    listed = {_name(m) for m in re.findall(r"^  - ([a-z][a-z0-9_-]*[^\n]*)$", env, re.M)}
    assert wanted <= listed, f"missing from environment.yml: {sorted(wanted - listed)}"


def test_public_api_is_exported() -> None:
    for name in (
        "model",
        "distill",
        "metric",
        "transform",
        "ZenoOptions",
        "ModelReturn",
        "DistillReturn",
        "MetricReturn",
        "Project",
    ):
        assert name in zenohub.__all__
        assert getattr(zenohub, name) is not None
    public = {
        n
        for n in vars(zenohub)
        if not n.startswith("_") and not isinstance(getattr(zenohub, n), types.ModuleType)
    }
    assert set(zenohub.__all__) - {"__version__"} == public | {"App"}  # App: loaded lazily
    assert zenohub.App.__name__ == "App"
