"""Transforms of the registry: each checked for the property it promises, on real images, prose
and generated audio, and for determinism (same instance id, same output)."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.io import wavfile

from zenohub import DataError, ZenoOptions

from .conftest import distilled, frame, load_function, module_of


def gray(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image, dtype=np.float64)


@pytest.fixture
def ops(image_dir, tmp_path) -> ZenoOptions:
    return ZenoOptions(
        id_column="id", data_column="image", data_path=str(image_dir), output_path=str(tmp_path)
    )


def run(name: str, files: list, ops: ZenoOptions) -> pd.DataFrame:
    df = frame(ops.data_column, files).assign(label=range(len(files)))
    out = load_function(name)(df, ops)
    assert isinstance(out, pd.DataFrame)
    assert list(out["id"]) == list(df["id"]) and list(out.index) == list(df.index)
    assert list(out["label"]) == list(df["label"])  # other columns untouched
    return out


def test_gaussian_noise_has_the_documented_standard_deviation(ops, photos, tmp_path) -> None:
    out = run("gaussian_noise", ["china.png", "flower.png", "digit-00.png"], ops)
    paths = list(out["image"])
    assert all(os.path.isabs(p) and Path(p).parent == tmp_path for p in paths)
    for path, original in zip(paths[:2], photos.values(), strict=True):
        noisy = gray(path)
        assert noisy.shape == original.shape
        diff = noisy - original
        # away from 0 and 255 nothing is clipped: the noise is N(0, 0.1 * 255) per channel
        inside = (original > 80) & (original < 175)
        assert inside.sum() > 100_000
        assert diff[inside].std() == pytest.approx(25.5, rel=0.02)
        assert abs(diff[inside].mean()) < 0.5
    assert gray(paths[2]).shape == (32, 32)  # gray stays gray


def test_gaussian_noise_is_seeded_by_the_instance_id(ops, tmp_path) -> None:
    first = run("gaussian_noise", ["digit-00.png", "digit-00.png"], ops)["image"]
    a, b = (Path(p).read_bytes() for p in first)
    assert a != b  # two instances, two noise patterns
    again = run("gaussian_noise", ["digit-00.png", "digit-00.png"], ops)["image"]
    assert [Path(p).read_bytes() for p in again] == [a, b]


def test_brightness_shift_darkens_by_51_levels(ops, photos, image_ops) -> None:
    out = run("brightness_shift", ["china.png", "half.png"], ops)
    original = photos["china"].astype(np.float64)
    shifted = gray(out["image"].iloc[0])
    unclipped = original >= 51
    np.testing.assert_array_equal(shifted[unclipped], original[unclipped] - 51)
    np.testing.assert_array_equal(shifted[~unclipped], 0)
    # the brightness distill agrees: a darker image by about 0.2
    before = distilled("brightness", frame("image", ["half.png"]), image_ops)[0]
    after = distilled("brightness", out.iloc[[1]], ZenoOptions(data_column="image"))[0]
    assert after == pytest.approx(before - 0.1)  # the black half stays black


@pytest.mark.parametrize(("degrees", "turns"), [(90, 1), (180, 2), (-90, 3)])
def test_rotation_by_right_angles_equals_numpy_rot90(
    ops, photos, monkeypatch, degrees, turns
) -> None:
    load_function("rotation")
    monkeypatch.setattr(module_of("rotation"), "DEGREES", degrees)
    out = run("rotation", ["china.png"], ops)
    np.testing.assert_array_equal(gray(out["image"].iloc[0]), np.rot90(photos["china"], turns))


def test_rotation_default_is_15_degrees_keeping_the_size(ops, image_dir) -> None:
    out = run("rotation", ["china.png", "digit-03.png"], ops)
    rotated = gray(out["image"].iloc[0])
    assert rotated.shape == (427, 640, 3)
    # the corners are uncovered by a 15 degree turn and filled with black
    np.testing.assert_array_equal(rotated[0, 0], 0)
    np.testing.assert_array_equal(rotated[-1, -1], 0)
    with Image.open(image_dir / "china.png") as image:
        expected = image.rotate(15, resample=Image.Resampling.BILINEAR)
    np.testing.assert_array_equal(rotated, np.asarray(expected))


@pytest.mark.parametrize("name", ["gaussian_noise", "brightness_shift", "rotation"])
def test_image_transforms_keep_missing_cells_and_name_bad_files(name, ops) -> None:
    out = run(name, ["half.png", None], ops)
    assert os.path.isfile(out["image"].iloc[0]) and pd.isna(out["image"].iloc[1])
    with pytest.raises(DataError, match=rf"{name}: cannot read image file .*broken\.png"):
        run(name, ["broken.png"], ops)
    with pytest.raises(DataError, match=r"needs ops\.output_path"):
        run(name, ["half.png"], ZenoOptions(data_column="image", data_path=ops.data_path))


@pytest.fixture(scope="module")
def prose() -> list[str]:
    """Real prose: the lines of the Zen of Python and paragraphs of stdlib docstrings."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    zen = codecs.decode(this.s, "rot13")
    docs = [p for m in (json, textwrap, contextlib) for p in (m.__doc__ or "").split("\n\n")]
    return [line for line in zen.splitlines() if line] + [d for d in docs if len(d) > 40]


def test_keyboard_typos_change_the_documented_share_of_letters(prose) -> None:
    load_function("keyboard_typos")
    neighbours = module_of("keyboard_typos").NEIGHBOURS
    ops = ZenoOptions(id_column="id", data_column="text")
    df = frame("text", prose)
    out = load_function("keyboard_typos")(df, ops)["text"]
    changed_total = 0
    for before, after in zip(prose, out, strict=True):
        assert len(after) == len(before)
        letters = sum(c.lower() in neighbours for c in before)
        changes = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
        assert len(changes) == int(0.05 * letters + 0.5)
        for a, b in changes:  # a neighbouring key, same case
            assert b.lower() in neighbours[a.lower()] and a.isupper() == b.isupper()
        changed_total += len(changes)
    assert changed_total > 50
    # the same ids give the same typos; other ids other typos
    again = load_function("keyboard_typos")(df, ops)["text"]
    assert list(again) == list(out)
    other = load_function("keyboard_typos")(df.assign(id=[f"x{i}" for i in range(len(df))]), ops)
    assert list(other["text"]) != list(out)
    # the character error rate of the result is the share of characters changed
    scored = pd.DataFrame({"label": prose, "output": list(out)})
    cer = load_function("cer")(scored, ZenoOptions(label_column="label", output_column="output"))
    assert cer.metric == pytest.approx(changed_total / sum(map(len, prose)))


def test_keyboard_typos_leave_short_and_missing_texts() -> None:
    ops = ZenoOptions(id_column="id", data_column="text")
    out = load_function("keyboard_typos")(
        frame("text", ["Hi there", None, "日本語のテキスト"]), ops
    )
    assert out["text"].iloc[0] == "Hi there"  # 7 letters: 5% rounds to no typo
    assert pd.isna(out["text"].iloc[1])
    assert out["text"].iloc[2] == "日本語のテキスト"


def test_audio_gain_lowers_the_level_by_12_db(audio_dir, tmp_path) -> None:
    ops = ZenoOptions(
        id_column="id", data_column="audio", data_path=str(audio_dir), output_path=str(tmp_path)
    )
    files = ["tone.wav", "tone_u8.wav", "tone_f32.wav", "stereo.wav", None]
    out = load_function("audio_gain")(frame("audio", files), ops)
    level = ZenoOptions(data_column="audio", data_path=str(audio_dir))
    before = distilled("amplitude", frame("audio", files), level)
    after = distilled("amplitude", out, ZenoOptions(data_column="audio"))
    np.testing.assert_allclose(after[[0, 2, 3]] - before[[0, 2, 3]], -12.0, atol=0.01)
    assert after[1] - before[1] == pytest.approx(-12.0, abs=0.3)  # 8-bit rounding
    assert pd.isna(out["audio"].iloc[4])
    for source, new in zip(files[:4], out["audio"][:4], strict=True):
        rate, original = wavfile.read(audio_dir / source)
        new_rate, gained = wavfile.read(new)
        assert new_rate == rate and gained.dtype == original.dtype
        assert gained.shape == original.shape
    with pytest.raises(DataError, match=r"audio_gain: cannot read WAV file .*broken\.wav"):
        load_function("audio_gain")(frame("audio", ["broken.wav"]), ops)
