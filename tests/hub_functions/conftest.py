"""Real test data for the registry's functions, and loading a function as an install would.

Images are scikit-learn's bundled photos and handwritten digits written as PNGs, plus a few
images with known answers; audio is generated with known level, duration, silence and SNR and
written as WAV. Everything is made once per test session in a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageFilter
from scipy.io import wavfile
from sklearn.datasets import load_digits, load_sample_images

from zenohub import ZenoOptions
from zenohub.data import import_file

REGISTRY = Path(__file__).resolve().parents[2] / "functions_registry"
RATE = 16_000
_LOADED: dict[tuple[str, str], Any] = {}
#: where functions are "installed" (copied) before import; set per session below
_INSTALLED: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def install_folder(tmp_path_factory) -> Path:
    """The session's folder of installed registry sources (a project's functions folder)."""
    folder = tmp_path_factory.mktemp("installed")
    _INSTALLED[:] = [folder]
    return folder


def load_function(name: str, version: str = "1.0.0") -> Callable[..., Any]:
    """The registry's function ``name`` as an install gives it: the source is checked against
    its manifest's SHA-256, copied into a functions folder and imported from there the way a
    project imports its function files."""
    if (name, version) not in _LOADED:
        folder = REGISTRY / name / version
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        source = folder / manifest["source"]
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        assert digest == manifest["sha256"], (
            f"{source} does not match its manifest's sha256: "
            "run python functions_registry/build_index.py"
        )
        installed = _INSTALLED[0] / version / source.name
        installed.parent.mkdir(parents=True, exist_ok=True)
        installed.write_bytes(source.read_bytes())
        module = import_file(installed)
        _LOADED[(name, version)] = getattr(module, manifest["entry"])
    return _LOADED[(name, version)]


def module_of(name: str) -> Any:
    """The imported module of a registry function (to edit its constants, as a user would)."""
    import sys

    return sys.modules[load_function(name).__module__]


def distilled(name: str, df: pd.DataFrame, ops: ZenoOptions) -> np.ndarray:
    """A distill's values for ``df`` as a float array."""
    ret = load_function(name)(df, ops)
    values = getattr(ret, "distill_output", ret)
    assert len(values) == len(df)
    return np.asarray(values, dtype=np.float64)


def save_png(path: Path, pixels: np.ndarray) -> str:
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path, format="PNG")
    return path.name


def save_wav(path: Path, samples: np.ndarray, rate: int = RATE, dtype: str = "int16") -> str:
    """Write float samples in -1..1 as a WAV of ``dtype`` (int16, uint8, int32 or float32)."""
    x = np.asarray(samples, dtype=np.float64)
    if dtype == "int16":
        data = np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)
    elif dtype == "int32":
        data = np.clip(np.rint(x * 2**31), -(2**31), 2**31 - 1).astype(np.int32)
    elif dtype == "uint8":
        data = np.clip(np.rint(x * 128 + 128), 0, 255).astype(np.uint8)
    else:
        data = x.astype(np.float32)
    wavfile.write(path, rate, data)
    return path.name


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """scikit-learn's two bundled photos (427 x 640 RGB uint8 arrays)."""
    sample = load_sample_images()
    return {Path(f).stem: img for f, img in zip(sample.filenames, sample.images, strict=True)}


@pytest.fixture(scope="session")
def digit_images() -> np.ndarray:
    """The first 40 scikit-learn digits as 32 x 32 uint8 gray images (each pixel 4 x 4)."""
    images = load_digits().images[:40]
    pixels = np.rint(images * (255 / 16)).astype(np.uint8)
    return pixels.repeat(4, axis=1).repeat(4, axis=2)


@pytest.fixture(scope="session")
def image_dir(tmp_path_factory, photos, digit_images) -> Path:
    """A folder of PNGs: the photos, a blurred photo, the digits and known-answer images."""
    folder = tmp_path_factory.mktemp("images")
    for name, pixels in photos.items():
        save_png(folder / f"{name}.png", pixels)
    blurred = Image.fromarray(photos["china"]).filter(ImageFilter.GaussianBlur(radius=3))
    blurred.save(folder / "china_blurred.png")
    for i, pixels in enumerate(digit_images):
        save_png(folder / f"digit-{i:02d}.png", pixels)
    save_png(folder / "black.png", np.zeros((10, 20)))
    save_png(folder / "gray128.png", np.full((10, 20), 128))
    save_png(folder / "white.png", np.full((10, 20), 255))
    half = np.zeros((16, 16))
    half[:, 8:] = 255
    save_png(folder / "half.png", half)
    save_png(folder / "levels.png", np.arange(256).reshape(16, 16))
    checker = (np.indices((12, 12)).sum(axis=0) % 2) * 255
    save_png(folder / "checker.png", checker)
    red = np.zeros((8, 8, 3))
    red[..., 0] = 255
    save_png(folder / "red.png", red)
    (folder / "broken.png").write_bytes(b"this is not a PNG file")
    return folder


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    """WAV files with known level, duration, silence share and SNR (16 kHz unless noted)."""
    folder = tmp_path_factory.mktemp("audio")
    t = np.arange(RATE) / RATE
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)  # RMS 0.5 / sqrt(2): -9.03 dBFS
    save_wav(folder / "tone.wav", tone)
    save_wav(folder / "tone_u8.wav", tone, dtype="uint8")
    save_wav(folder / "tone_i32.wav", tone, dtype="int32")
    save_wav(folder / "tone_f32.wav", tone, dtype="float32")
    save_wav(folder / "stereo.wav", np.stack([tone, 0.5 * tone], axis=1))
    save_wav(folder / "long.wav", np.tile(tone, 3)[: int(2.5 * RATE)])
    t44 = np.arange(11_025) / 44_100
    save_wav(folder / "short_44k.wav", 0.1 * np.sin(2 * np.pi * 440 * t44), rate=44_100)
    save_wav(folder / "silence.wav", np.zeros(RATE))
    rng = np.random.default_rng(7)
    quiet = 10 ** (-60 / 20) * rng.standard_normal(RATE // 2)  # -60 dBFS noise
    # 1 s tone, 1 s digital silence, 0.5 s of -60 dBFS noise: 60% silent
    save_wav(folder / "pauses.wav", np.concatenate([tone, np.zeros(RATE), quiet]), dtype="float32")
    for snr in (0, 10, 20, 30):
        signal = 0.3 * np.sin(2 * np.pi * 1000 * np.arange(2 * RATE) / RATE)
        noise_rms = np.sqrt(np.mean(signal**2)) / 10 ** (snr / 20)
        noise = rng.standard_normal(2 * RATE) * noise_rms
        save_wav(folder / f"snr{snr}.wav", signal + noise, dtype="float32")
    wavfile.write(folder / "empty.wav", RATE, np.zeros(0, np.int16))
    (folder / "broken.wav").write_bytes(b"RIFF-not-really")
    return folder


@pytest.fixture
def image_ops(image_dir) -> ZenoOptions:
    return ZenoOptions(id_column="id", data_column="image", data_path=str(image_dir))


@pytest.fixture
def audio_ops(audio_dir) -> ZenoOptions:
    return ZenoOptions(id_column="id", data_column="audio", data_path=str(audio_dir))


def frame(column: str, values: list[Any]) -> pd.DataFrame:
    """A batch with ids and one data column, with a non-default index as pipeline batches."""
    return pd.DataFrame(
        {"id": [f"i{k}" for k in range(len(values))], column: values},
        index=range(100, 100 + len(values)),
    )
