"""The Hub page in Chromium: search, open a function, install it, process the project."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TOY, ServerProcess, copy_project, free_port
from tests.hub.conftest import make_registry
from zenohub import Project

pytestmark = pytest.mark.browser

#: serves ``Hub(project=..., hub=...)`` alone until the lead puts the page in the app
SCRIPT = """
import sys
import panel as pn
from zenohub import Project
from zenohub.ui.hub import Hub

config, hub, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
project = Project.from_config(config)
print("serving", flush=True)
pn.serve({"/": lambda: Hub(project=project, hub=hub)}, port=port, address="127.0.0.1",
         show=False, allow_websocket_origin=[f"127.0.0.1:{port}", f"localhost:{port}"])
"""


class HubPage(ServerProcess):
    """The Hub page of a project, served in a subprocess."""

    def __init__(self, config: Path, registry: Path) -> None:
        port = free_port()
        super().__init__(
            [sys.executable, "-c", SCRIPT, str(config), str(registry), str(port)],
            port,
            config.parent / f"hub-page-{port}.log",
            timeout=120,
        )


@pytest.fixture(scope="module")
def hub_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubPage, Path, Path]]:
    base = tmp_path_factory.mktemp("hub-page")
    registry = make_registry(base / "registry", base / "imported.marker")
    config = copy_project(TOY, base / "toy") / "config.toml"
    server = HubPage(config, registry)
    yield server, config, base / "imported.marker"
    server.stop()


def _search(page, text: str) -> None:
    box = page.locator("input[placeholder='blur, wer, ...']").first
    box.fill(text)
    box.press("Enter")


def _count(page, n: int) -> None:
    page.locator(".zh-hub-count", has_text=str(n)).first.wait_for(timeout=30_000)


def test_search_open_install_and_process(hub_page, page, screenshot) -> None:
    server, config, marker = hub_page
    page.goto(server.url)
    _count(page, 4)  # x_cubed (two versions), mean_x, negate, trap
    _search(page, "cube")
    _count(page, 1)
    page.get_by_role("button", name="x_cubed", exact=True).click()
    page.locator(".zh-hub-title", has_text="x_cubed").wait_for(timeout=30_000)
    # the docs and source panes arrive after the title: wait for their text, then read it
    docs = page.locator(".zh-hub-docs p", has_text="The cube of the data column.").first
    docs.wait_for(timeout=30_000)
    source = page.locator(".zh-hub-source", has_text="def x_cubed(df, ops):").first
    source.wait_for(timeout=30_000)
    requirements = page.locator(".zh-hub-requirements", has_text="numpy").first
    requirements.wait_for(timeout=30_000)
    assert requirements.inner_text() == "numpy>=1.26"

    page.get_by_role("button", name="Install", exact=True).click()
    page.locator(".zh-hub-message", has_text="Installed x_cubed 1.0.0").wait_for(timeout=30_000)
    lock = json.loads((config.parent / "zenohub.lock").read_text())
    assert lock["functions"]["x_cubed"]["version"] == "1.0.0"
    page.locator(".zh-hub-installed", has_text="1.0.0").wait_for(timeout=30_000)

    page.get_by_role("button", name="Process now", exact=True).click()
    page.locator(".zh-hub-message", has_text="0 failed").wait_for(timeout=60_000)
    page.locator(".zh-hub-source", has_text="def x_cubed").wait_for(timeout=30_000)
    screenshot(page, "hub-installed")
    project = Project.from_config(config)
    project.process()
    assert project.report is not None and "distill x_cubed" in project.report.cached
    np.testing.assert_allclose(project.table["distill:x_cubed"], project.table["x"] ** 3)

    # a hostile docstring is shown as text; the page never imports published code
    page.locator(".zh-hub-filters select").nth(0).select_option(label="distill")
    _search(page, "")
    _count(page, 2)
    _search(page, "blur")
    _count(page, 1)
    page.get_by_role("button", name="trap", exact=True).click()
    docs = page.locator(".zh-hub-docs p", has_text="Looks harmless")
    docs.wait_for(timeout=30_000)
    assert "<script>alert(1)</script>" in docs.inner_text()
    assert not marker.exists()
