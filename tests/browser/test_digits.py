"""The digits demo in Chromium: image cards show real pixels; the filter reaches the grid."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

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
