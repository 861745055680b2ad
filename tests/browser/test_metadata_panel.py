"""Brushing and clicking the metadata histograms in Chromium filters the whole page."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


def _count(page) -> int:
    for _ in range(50):  # the summary is replaced on every change: read a settled one
        text = page.locator(".zh-count").first.inner_text().strip()
        if text.isdigit():
            return int(text)
        page.wait_for_timeout(100)
    raise AssertionError("no filtered count shown")


def _wait_count_change(page, old: int) -> int:
    for _ in range(100):
        new = _count(page)
        if new != old:
            return new
        page.wait_for_timeout(100)
    raise AssertionError("the filtered count did not change")


def test_brush_and_click_filter_counts_grid_and_other_histograms(
    toy_server, page, screenshot
) -> None:
    data = pd.read_csv(toy_server.log.parent / "data.csv")
    page.goto(toy_server.url)
    page.locator(".zh-count").first.wait_for(timeout=60_000)
    x_hist = page.locator(".zh-histogram", has_text="x").first
    canvas = x_hist.locator("canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.5
    page.mouse.move(box["x"] + box["width"] * 0.35, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.55, y, steps=8)
    page.mouse.up()
    chip = page.locator(".zh-chip button", has_text="x between").first
    chip.wait_for()
    count, text = settled(page, lambda p: (_count(p), chip.inner_text()))
    found = re.findall(r"between ([-+\d.e]+) and ([-+\d.e]+)", text)
    assert found, text
    lo, hi = map(float, found[0])
    # the chip shows 4 significant digits: the count lies between the inner and outer rounding
    eps = 1e-3 * max(abs(lo), abs(hi), 1.0)
    inner = int(data["x"].between(lo + eps, hi - eps).sum())
    outer = int(data["x"].between(lo - eps, hi + eps).sum())
    assert inner <= count <= outer
    assert 0 < count < 300
    # the grid shows only brushed instances
    xs = [
        float(v)
        for v in page.locator(".zh-card").all_inner_texts()
        for v in re.findall(r"\nx\s+([-\d.e]+)", v)
    ]
    assert xs and all(lo - eps <= x <= hi + eps for x in xs)
    screenshot(page, "explore-brushed")

    # click the bar of group "b": AND with the brush
    group = page.locator(".zh-histogram", has_text="group").first.locator("canvas").first
    gbox = group.bounding_box()
    assert gbox is not None
    # bars a, b, c share the plot width after the y axis; b is the middle one
    page.mouse.click(gbox["x"] + 40 + (gbox["width"] - 40) * 0.5, gbox["y"] + gbox["height"] * 0.7)
    both = _wait_count_change(page, count)
    group_b = data["group"] == "b"
    assert int((data["x"].between(lo + eps, hi - eps) & group_b).sum()) <= both
    assert both <= int((data["x"].between(lo - eps, hi + eps) & group_b).sum())
    page.locator(".zh-chip button", has_text="group in {b}").first.wait_for()

    # removing the brush chip leaves the group filter
    page.locator(".zh-chip button", has_text="x between").first.click()
    assert _wait_count_change(page, both) == int((data["group"] == "b").sum())
