"""The whole served app on the digits demo: the map view, Discover, Analysis and Hub tabs."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def _open(digits_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(digits_server.url)
    page.locator(".zh-count").first.wait_for(timeout=120_000)


def test_map_view_draws_the_embedding_and_lists_error_regions(
    digits_server, page, screenshot
) -> None:
    _open(digits_server, page)
    page.locator(".zh-view-mode button", has_text="map").click()
    plot = page.locator(".zh-projection").first
    plot.wait_for(timeout=60_000)
    plot.locator("canvas").first.wait_for(timeout=60_000)
    # the server's `zenohub run` processed the demo, UMAP included: no "run process" note
    assert "zenohub process" not in page.locator("body").inner_text()
    assert page.get_by_text("The selection").first.is_visible()
    screenshot(page, "app-map")


def test_discover_tab_finds_a_failing_slice_and_saves_it(digits_server, page, screenshot) -> None:
    _open(digits_server, page)
    page.get_by_text("Discover", exact=True).first.click()
    page.locator(".zh-discover-find button").first.click()
    rows = page.locator(".zh-discover-row")
    rows.first.wait_for(timeout=60_000)
    rule = rows.first.locator(".zh-discover-rule").first.inner_text().strip()
    assert rule
    q = re.search(r"q\s*=?\s*([\d.e+-]+)", rows.first.inner_text())
    assert q is None or float(q.group(1)) <= 0.05
    page.locator(".zh-discover-save button").first.click()
    # the saved slice appears in the sidebar's slice list at once
    page.locator(".zh-slices-table .tabulator-row").first.wait_for(timeout=20_000)
    screenshot(page, "app-discover")


def test_analysis_tab_tracks_the_demo_slices_across_models(digits_server, page) -> None:
    _open(digits_server, page)
    page.get_by_text("Analysis", exact=True).first.click()
    table = page.locator(".zh-trends", has_text="mlp-v4").first  # the table inside the pane
    table.wait_for(timeout=60_000)
    text = table.inner_text()
    # tests.toml of the demo defines these slices; one column per model
    for name in ("dark digits", "ones", "fours", "mlp-v1", "mlp-v4"):
        assert name in text


def test_hub_tab_searches_the_bundled_registry(digits_server, page) -> None:
    _open(digits_server, page)
    page.get_by_text("Hub", exact=True).first.click()
    search = page.locator(".zh-hub-filters input").first
    search.wait_for(timeout=60_000)
    search.fill("blur")
    search.press("Enter")
    page.locator(".zh-hub-result", has_text="laplacian_blur").first.wait_for(timeout=30_000)
