"""The served overview page, as a person sees it in Chromium."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.browser


def test_overview_shows_project_and_metrics(toy_server, page, screenshot) -> None:
    page.goto(toy_server.url)
    page.wait_for_selector("text=Metrics (all instances)", timeout=60_000)
    assert "toy" in page.title()
    assert page.locator(".zh-rows").first.inner_text() == "300"
    table = page.locator(".tabulator").first
    table.wait_for(timeout=30_000)
    text = table.inner_text()
    assert "accuracy" in text and "error_rate" in text and "m-1" in text and "m-2" in text
    # the accuracy shown equals the accuracy computed from the data the page was served from
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    out = (data["x"] * 2).round().astype(int) % 3
    expected = round(float((out == data["label"]).mean()), 4)
    assert f"{expected:g}" in text
    shot = screenshot(page, "overview")
    assert shot.stat().st_size > 10_000
