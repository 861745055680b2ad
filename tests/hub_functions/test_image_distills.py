"""Image distills of the registry on scikit-learn's photos and digits and on known-answer images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy as scipy_entropy

from zenohub import DataError, ZenoOptions

from .conftest import distilled, frame

IMAGE_DISTILLS = [
    "brightness",
    "contrast",
    "entropy",
    "laplacian_blur",
    "colorfulness",
    "aspect_ratio",
]
DIGITS = [f"digit-{i:02d}.png" for i in range(40)]


def values(name: str, files: list, ops: ZenoOptions) -> np.ndarray:
    return distilled(name, frame("image", files), ops)


def test_brightness_known_answers_and_digits(image_ops, digit_images) -> None:
    got = values("brightness", ["black.png", "gray128.png", "white.png", "half.png"], image_ops)
    np.testing.assert_allclose(got, [0.0, 128 / 255, 1.0, 0.5], atol=1e-12)
    # the digits' mean gray level, computed from scikit-learn's arrays (not from the PNGs)
    np.testing.assert_allclose(
        values("brightness", DIGITS, image_ops), digit_images.mean(axis=(1, 2)) / 255, atol=1e-12
    )


def test_brightness_of_photos_is_their_luma_mean(image_ops, photos) -> None:
    got = values("brightness", ["china.png", "flower.png"], image_ops)
    for value, rgb in zip(got, photos.values(), strict=True):
        # Pillow's luma L = (299 R + 587 G + 114 B) / 1000, rounded to an integer
        luma = np.floor((rgb.astype(np.int64) @ np.array([299, 587, 114]) + 500) / 1000)
        assert value == pytest.approx(luma.mean() / 255, abs=2e-3)
    assert got.min() > 0.2 and got.max() < 0.8


def test_contrast_is_the_gray_level_standard_deviation(image_ops, digit_images) -> None:
    got = values("contrast", ["gray128.png", "half.png"], image_ops)
    np.testing.assert_allclose(got, [0.0, 0.5], atol=1e-12)
    np.testing.assert_allclose(
        values("contrast", DIGITS, image_ops), digit_images.std(axis=(1, 2)) / 255, atol=1e-12
    )
    blurred, sharp = values("contrast", ["china_blurred.png", "china.png"], image_ops)
    assert blurred < sharp


def test_entropy_in_bits(image_ops, digit_images) -> None:
    got = values("entropy", ["gray128.png", "half.png", "levels.png"], image_ops)
    np.testing.assert_allclose(got, [0.0, 1.0, 8.0], atol=1e-12)
    expected = [scipy_entropy(np.bincount(d.ravel(), minlength=256), base=2) for d in digit_images]
    np.testing.assert_allclose(values("entropy", DIGITS, image_ops), expected, atol=1e-9)
    china, flower = values("entropy", ["china.png", "flower.png"], image_ops)
    assert 6.5 < china < 8 and 6.5 < flower < 8


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian with OpenCV's default border (reflect-101)."""
    p = np.pad(gray.astype(np.float64), 1, mode="reflect")
    lap = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * p[1:-1, 1:-1]
    return float(lap.var())


def test_laplacian_blur_known_answers(image_ops, digit_images) -> None:
    # every pixel of a one-pixel checkerboard has a Laplacian of +-4 * 255
    got = values("laplacian_blur", ["checker.png", "gray128.png"], image_ops)
    np.testing.assert_allclose(got, [(4 * 255) ** 2, 0.0])
    expected = [laplacian_variance(d) for d in digit_images]
    np.testing.assert_allclose(values("laplacian_blur", DIGITS, image_ops), expected)


def test_laplacian_blur_flags_the_blurred_photo(image_ops) -> None:
    sharp, blurred = values("laplacian_blur", ["china.png", "china_blurred.png"], image_ops)
    assert sharp > 100 > blurred
    assert blurred < sharp / 20


def colorfulness_of(rgb: np.ndarray) -> float:
    r, g, b = (rgb[..., c].astype(np.float64) for c in range(3))
    rg, yb = r - g, (r + g) / 2 - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def test_colorfulness_known_answers_and_photos(image_ops, photos) -> None:
    red, gray = values("colorfulness", ["red.png", "gray128.png"], image_ops)
    assert red == pytest.approx(0.3 * np.hypot(255, 127.5))
    assert gray == 0.0
    np.testing.assert_array_equal(values("colorfulness", DIGITS[:5], image_ops), 0.0)
    china, flower = values("colorfulness", ["china.png", "flower.png"], image_ops)
    assert china == pytest.approx(colorfulness_of(photos["china"]))
    assert flower == pytest.approx(colorfulness_of(photos["flower"]))
    assert flower > china > 15  # the red flower is far more colourful than the temple photo


def test_aspect_ratio(image_ops) -> None:
    got = values("aspect_ratio", ["china.png", "digit-00.png", "black.png"], image_ops)
    np.testing.assert_allclose(got, [640 / 427, 1.0, 2.0])


@pytest.mark.parametrize("name", IMAGE_DISTILLS)
def test_missing_cells_empty_batches_and_absolute_paths(name, image_dir) -> None:
    ops = ZenoOptions(data_column="image", data_path="")
    got = distilled(name, frame("image", [str(image_dir / "half.png"), None, np.nan]), ops)
    assert np.isfinite(got[0]) and np.isnan(got[1:]).all()
    assert len(distilled(name, frame("image", []), ops)) == 0


@pytest.mark.parametrize("name", IMAGE_DISTILLS)
def test_unreadable_image_names_the_file(name, image_ops) -> None:
    for bad in ("broken.png", "no-such-file.png"):
        with pytest.raises(DataError, match=rf"{name}: cannot read image file .*{bad}"):
            values(name, ["half.png", bad], image_ops)


@pytest.mark.parametrize("name", IMAGE_DISTILLS)
def test_missing_data_column_is_named(name, image_ops) -> None:
    with pytest.raises(DataError, match="data column 'image' is not in the table"):
        distilled(name, pd.DataFrame({"picture": ["half.png"]}), image_ops)
