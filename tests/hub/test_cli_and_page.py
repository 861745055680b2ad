"""The ``zenohub hub`` commands on the bundled registry and on a local hub folder, and the Hub
page's state and rendering (no browser)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pytest

import zenohub.hub as hub_pkg
from tests.conftest import TOY, copy_project
from tests.hub.conftest import MEAN_X, zenohub
from zenohub import Project
from zenohub.hub.browse import HubBrowser


def test_public_names_are_complete() -> None:
    public = {n for n, v in vars(hub_pkg).items() if not n.startswith("_") and callable(v)}
    assert public <= set(hub_pkg.__all__)


def test_bundled_registry_search_show_install_verify(tmp_path: Path) -> None:
    lines = zenohub("hub", "search", "blur").stdout.splitlines()
    assert lines and lines[0].split("\t")[:5] == [
        "laplacian_blur",
        lines[0].split("\t")[1],
        "1.0.0",
        "distill",
        "image",
    ]
    assert "--- laplacian_blur.py ---" in zenohub("hub", "show", "laplacian_blur").stdout

    config = copy_project(TOY, tmp_path / "toy") / "config.toml"
    out = zenohub("hub", "install", "laplacian_blur", "--project", str(config)).stdout
    assert "pinned in zenohub.lock" in out
    listed = zenohub("hub", "list", "--project", str(config)).stdout.split("\t")
    assert listed[:4] == ["laplacian_blur", "1.0.0", "distill", "bundled"]
    assert zenohub("hub", "verify", "--project", str(config)).returncode == 0

    path = config.parent / "hub_functions" / "laplacian_blur.py"
    path.write_text(path.read_text() + "\nprint('owned')\n")
    bad = zenohub("hub", "verify", "--project", str(config), check=False)
    assert bad.returncode == 1 and f"modified: {path} differs" in bad.stderr
    refused = zenohub("process", str(config), "-q", check=False)
    assert refused.returncode == 2 and f"Refusing to load {path}" in refused.stderr
    assert "owned" not in refused.stdout


def test_publish_to_a_local_hub_folder_and_index(registry: Path, tmp_path: Path) -> None:
    token = zenohub("hub", "token", "create", "bob", "--registry", str(registry)).stdout.strip()
    assert token.startswith("zh_") and token not in (registry / "hub.db").read_bytes().decode(
        "latin-1"
    )
    file = tmp_path / "mine.py"
    file.write_text(MEAN_X.replace("mean_x", "mean_z"))
    out = zenohub(
        "hub", "publish", f"{file}::mean_z", "--version", "0.1.0", "--hub", str(registry),
        "--token", token, "--requirement", "numpy>=1.26",
    )  # fmt: skip
    assert out.stdout.startswith("published: mean_z 0.1.0")
    found = zenohub("hub", "search", "mean", "--hub", str(registry)).stdout.splitlines()
    assert [line.split("\t")[0] for line in found] == ["mean_x", "mean_z"]
    bad = zenohub("hub", "publish", f"{file}::nope", "--version", "0.1.0", "--hub",
                  str(registry), "--token", token, check=False)  # fmt: skip
    assert bad.returncode == 2 and "no @distill, @metric or @transform function named 'nope'" in (
        bad.stderr
    )
    zenohub("hub", "index", str(registry))
    index = json.loads((registry / "index.json").read_text())["functions"]
    assert [(f["name"], f["version"]) for f in index] == [
        ("mean_x", "1.0.0"),
        ("negate", "1.0.0"),
        ("trap", "1.0.0"),
        ("x_cubed", "0.9.0"),
        ("x_cubed", "1.0.0"),
    ]


def test_hub_page_state_installs_and_processes(registry: Path, tmp_path: Path) -> None:
    config = copy_project(TOY, tmp_path / "toy") / "config.toml"
    project = Project.from_config(config)
    project.process()
    state = HubBrowser(project=project, hub=hub_pkg.open_hub(registry))
    assert [f["name"] for f in state.results] == ["mean_x", "negate", "trap", "x_cubed"]
    state.kind = "distill"
    assert [f["name"] for f in state.results] == ["trap", "x_cubed"]
    state.query = "cube"
    assert [f["name"] for f in state.results] == ["x_cubed"]
    state.open("x_cubed", "0.9.0")
    assert state.page is not None and state.page["version"] == "0.9.0"
    state.install()
    assert state.message.startswith("Installed x_cubed 0.9.0") and state.can_process
    assert state.installed_version == "0.9.0"
    state.process()
    assert "0 failed" in state.message and not state.can_process
    np.testing.assert_allclose(project.table["distill:x_cubed"], project.table["x"] ** 2)


def test_hub_page_renders_docs_escaped(registry: Path, tmp_path: Path) -> None:
    pytest.importorskip("panel")
    from zenohub.ui.hub import Hub

    view = Hub(hub=registry)
    view.state.open("trap")
    root = view.__panel__().get_root()
    # Bokeh models carry HTML escaped once for transport: unescape it as the browser does
    texts = [html.unescape(getattr(m, "text", "") or "") for m in root.references()]
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in texts)
    assert not any("<script>alert(1)" in t for t in texts)
    assert view.state.message == "" and not (tmp_path / "imported.marker").exists()
