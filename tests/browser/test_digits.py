"""The digits demo in Chromium: image cards show real pixels; the filter reaches the grid."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import settled

pytestmark = pytest.mark.browser


def test_image_cards_show_real_digit_pixels(digits_server, page, screenshot) -> None:
    page.goto(digits_server.url)
    page.locator(".zh-count").first.wait_for(timeout=120_000)
    assert page.locator(".zh-count").first.inner_text() == "600"
    image = page.locator(".zh-card img").first
    image.wait_for()
    pixels = np.asarray(Image.open(io.BytesIO(image.screenshot())).convert("L"), dtype=float)
    # a handwritten digit: dark background, bright strokes, many gray levels — not blank
    assert pixels.min() < 40 and pixels.max() > 200
    assert len(np.unique(pixels)) > 5
    assert page.locator(".zh-card").count() == 24
    screenshot(page, "digits-explore")


def _count(page) -> int:
    for _ in range(100):
        text = page.locator(".zh-count").first.inner_text().strip()
        if text.isdigit():
            return int(text)
        page.wait_for_timeout(100)
    raise AssertionError("no filtered count shown")


def test_brushing_brightness_and_comparing_models(digits_server, page, screenshot) -> None:
    import re

    from zenohub import Project

    project = Project.from_config(digits_server.log.parent / "config.toml")
    project.process()  # served from the server's cache
    table = project.table
    page.goto(digits_server.url)
    page.locator(".zh-count").first.wait_for(timeout=120_000)
    canvas = page.locator(".zh-histogram", has_text="brightness").first.locator("canvas").first
    box = canvas.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.5
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=6)
    page.mouse.up()
    chip = page.locator(".zh-chip button", has_text="brightness between").first
    chip.wait_for(timeout=20_000)
    count, text = settled(page, lambda p: (_count(p), chip.inner_text()))
    lo, hi = map(float, re.findall(r"between ([-+\d.e]+) and ([-+\d.e]+)", text)[0])
    values = table["distill:brightness"]
    eps = 1e-3 * max(abs(lo), abs(hi))
    assert int(values.between(lo + eps, hi - eps).sum()) <= count
    assert count <= int(values.between(lo - eps, hi + eps).sum()) < 600
    assert page.locator(".zh-card").count() == min(24, count)

    page.locator(".bk-input-group", has_text="Compare with").locator("select").select_option(
        label="mlp-v4"
    )
    page.locator(".zh-compare-metric").first.wait_for(timeout=20_000)
    mask = project.mask(
        {"column": "distill:brightness", "op": "between", "value": [lo - eps, hi + eps]}
    )
    shown = float(page.locator(".zh-compare-metric").first.inner_text())
    assert shown == pytest.approx(project.metric("accuracy", "mlp-v4", filter=mask), abs=0.02)
    card = page.locator(".zh-card").first.inner_text()
    assert "mlp-v4" in card and "mlp-v1" in card
    screenshot(page, "digits-compare")
