"""Text search with highlights (and no script injection) and compare mode's table view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import Server
from tests.ui.test_search_table import make_text_project

pytestmark = pytest.mark.browser


def _outputs(data: pd.DataFrame, k: int) -> np.ndarray:
    return np.round(data["x"].to_numpy() * k).astype(int) % 3


def test_regex_search_counts_marks_and_never_runs_the_text(
    tmp_path: Path, page, screenshot
) -> None:
    server = Server(make_text_project(tmp_path / "text"))
    try:
        page.goto(server.url)
        page.locator(".zh-count").first.wait_for(timeout=60_000)
        assert page.locator(".zh-count").first.inner_text() == "6"
        page.locator(".zh-search-input input").first.fill("hel+o")
        page.locator(".zh-search-regex input").first.check()
        # the preview follows each keystroke and toggle: wait for the regex's count
        page.locator(".zh-search-count", has_text="2").first.wait_for(timeout=20_000)
        assert page.locator(".zh-search-count").first.inner_text() == "2"
        page.locator(".zh-search-apply button").first.click()
        page.locator(".zh-count", has_text="2").first.wait_for(timeout=20_000)
        page.locator(".zh-card mark").first.wait_for(timeout=20_000)  # the grid's update
        cards = page.locator(".zh-card")
        assert cards.count() == 2
        marks = page.locator(".zh-card mark")
        assert marks.count() == 2 and marks.first.inner_text().lower() == "hello"
        assert page.evaluate("window.__xss") is None
        script_card = page.locator(".zh-card", has_text="<script>window.__xss = 1</script>")
        assert script_card.count() == 1 and script_card.first.is_visible()
        screenshot(page, "text-search")
    finally:
        server.stop()


def test_compare_mode_table_shows_both_outputs_and_the_difference(
    toy_server, page, screenshot
) -> None:
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    page.goto(toy_server.url)
    page.locator(".zh-count").first.wait_for(timeout=60_000)
    page.locator(".bk-input-group", has_text="Compare with").locator("select").select_option(
        label="m-2"
    )
    page.locator(".zh-compare-metric").first.wait_for(timeout=20_000)
    page.locator(".zh-view-mode button", has_text="table").click()
    table = page.locator(".zh-instance-table .tabulator").first
    table.wait_for(timeout=20_000)
    titles = table.locator(".tabulator-col-title").all_inner_texts()
    assert {"output (m-1)", "output (m-2)", "difference"} <= set(titles)
    cells = table.locator(".tabulator-cell[tabulator-field='difference']")
    cells.first.wait_for(timeout=20_000)
    texts = cells.all_inner_texts()
    first = data.iloc[:24]
    expected = int((_outputs(first, 1) != _outputs(first, 2)).sum())
    assert len(texts) == 24
    assert texts.count("changed") == expected and texts.count("unchanged") == 24 - expected
    screenshot(page, "compare-table")
