"""The served app, as a person sees it in Chromium: Explore page and Overview tab."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.browser


def _expected_accuracy(data: pd.DataFrame, k: int) -> float:
    out = (data["x"] * k).round().astype(int) % 3
    return float((out == data["label"]).mean())


def test_explore_page_shows_counts_metric_cards_and_saves_a_slice(
    toy_server, page, screenshot
) -> None:
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    page.goto(toy_server.url)
    page.locator(".zh-count").first.wait_for(timeout=60_000)
    assert "toy" in page.title()
    assert page.locator(".zh-count").first.inner_text() == "300"
    assert page.locator(".zh-metric").first.inner_text() == f"{_expected_accuracy(data, 1):.4g}"
    cards = page.locator(".zh-card")
    cards.first.wait_for()
    assert cards.count() == 24
    first = data.iloc[:24]
    wrong = int(((first["x"] * 1).round().astype(int) % 3 != first["label"]).sum())
    assert page.locator(".zh-card.zh-wrong").count() == wrong
    screenshot(page, "explore")

    page.get_by_placeholder("slice name").fill("every toy")
    page.get_by_role("button", name="Save slice").click()
    page.locator(".tabulator-cell", has_text="every toy").first.wait_for(timeout=20_000)
    row = page.locator(".tabulator-row", has_text="every toy").first
    assert "300" in row.inner_text()


def test_overview_tab_lists_metrics_per_model(toy_server, page, screenshot) -> None:
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    page.goto(toy_server.url)
    page.get_by_text("Overview", exact=True).first.click()
    page.get_by_text("Metrics (all instances)").wait_for(timeout=60_000)
    table = page.locator(".tabulator", has_text="error_rate").first
    text = table.inner_text()
    assert "accuracy" in text and "m-1" in text and "m-2" in text
    assert f"{round(_expected_accuracy(data, 2), 4):g}" in text
    assert screenshot(page, "overview").stat().st_size > 10_000
