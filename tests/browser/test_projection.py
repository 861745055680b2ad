"""Lasso on the embedding map in Chromium: the count follows, the selection becomes a slice."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.conftest import ServerProcess, free_port
from zenohub import Project

pytestmark = pytest.mark.browser

#: a page holding the projection view beside the summary and the slices panel; it reads the
#: copy's cache, which the ``digits_projected`` fixture filled (UMAPs included)
PAGE = """
import panel as pn

from zenohub import Project
from zenohub.state import ExploreState
from zenohub.ui.explore import Summary
from zenohub.ui.projection import Projection
from zenohub.ui.slices import SlicesPanel


def _load():
    project = Project.from_config({config!r})
    project.process(executor="sequential", strict=False)
    return project


project = pn.state.as_cached("zenohub-project", _load)
state = ExploreState(project)
pn.Row(
    pn.Column(Summary(state=state), Projection(state=state), width=800),
    pn.Column(SlicesPanel(state=state), width=450),
).servable()
"""


@pytest.fixture(scope="module")
def projection_url(digits_projected: Project) -> Iterator[str]:
    folder = digits_projected.config.base_dir
    script = folder / "projection_page.py"
    script.write_text(PAGE.format(config=str(folder / "config.toml")))
    port = free_port()
    server = ServerProcess(
        [
            sys.executable,
            "-m",
            "panel",
            "serve",
            str(script),
            "--port",
            str(port),
            "--address",
            "127.0.0.1",
            "--allow-websocket-origin",
            f"127.0.0.1:{port}",
        ],
        port,
        folder / "projection-page.log",
        timeout=120,
    )
    yield f"{server.url}projection_page"
    server.stop()


def _count(page) -> int:
    return int(page.locator(".zh-count").first.inner_text())


def test_lasso_a_region_then_save_it_as_a_slice(
    projection_url: str, digits_projected: Project, page, screenshot
) -> None:
    maps = sorted((digits_projected.cache_path / "projections").glob("umap-*.npz"))
    written = [f.stat().st_mtime_ns for f in maps]
    page.goto(projection_url)
    page.locator(".zh-count").first.wait_for(timeout=90_000)
    assert _count(page) == 600
    # the served page shows the UMAP `zenohub process` cached; it computes none itself
    page.get_by_text("UMAP of mlp-v1's embedding").first.wait_for(timeout=30_000)
    canvas = page.locator(".zh-projection canvas").first
    canvas.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)  # the first rasterized image arrives
    page.get_by_title("Lasso Select").first.click()
    box = canvas.bounding_box()
    assert box is not None
    # a polygon over the left-lower part of the map, drawn with the mouse
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    corners = [(0.15, 0.2), (0.6, 0.25), (0.55, 0.85), (0.1, 0.8)]
    page.mouse.move(x0 + w * corners[0][0], y0 + h * corners[0][1])
    page.mouse.down()
    for fx, fy in [*corners[1:], corners[0]]:
        page.mouse.move(x0 + w * fx, y0 + h * fy, steps=8)
    page.mouse.up()
    expect(page.locator(".zh-count").first).not_to_have_text("600", timeout=30_000)
    count = _count(page)
    assert 0 < count < 600
    chip = page.get_by_role("button", name=f"{count} selected points")
    chip.first.wait_for(timeout=10_000)
    screenshot(page, "projection-lasso")

    name = "lassoed digits"
    box_input = page.locator(".zh-slice_name input").first
    box_input.fill(name)
    box_input.press("Enter")
    page.get_by_role("button", name="Save slice", exact=True).first.click()
    page.locator(".zh-slices-table .tabulator-cell", has_text=name).first.wait_for(timeout=20_000)
    assert [f.stat().st_mtime_ns for f in maps] == written
    saved = digits_projected.store.get_slice(name)
    assert saved.ids is not None and len(saved.ids) == count
    assert int(digits_projected.mask(saved).sum()) == count
