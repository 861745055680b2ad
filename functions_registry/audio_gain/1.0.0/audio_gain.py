"""Audio gain: recordings made quieter (or louder) by a fixed number of decibels.

Part of zenohub's bundled function hub: ``zenohub hub install audio_gain``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.io import wavfile

from zenohub import DataError, ZenoOptions, transform

#: gain in decibels: negative makes recordings quieter (-12 dB is a quarter of the amplitude)
GAIN_DB = -12.0


def _columns(df: pd.DataFrame, ops: ZenoOptions) -> Path:
    """Check the batch has the id and data columns; the folder new recordings go to."""
    for key, column in (("id_column", ops.id_column), ("data_column", ops.data_column)):
        if column not in df:
            raise DataError(f"audio_gain: {key} '{column}' is not a column of the table.")
    if not ops.output_path:
        raise DataError(
            "audio_gain writes new WAV files and needs ops.output_path "
            "(zenohub sets it when it processes a project; set it when calling the function)."
        )
    folder = Path(ops.output_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read(path: str) -> tuple[int, np.ndarray]:
    """(sample rate, samples in the file's own dtype) of a WAV file."""
    try:
        with warnings.catch_warnings():
            # unknown chunks (cue points, metadata) are skipped with a warning: harmless here
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            return wavfile.read(path)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"audio_gain: cannot read WAV file {path}: {exc}") from exc


def _gained(samples: np.ndarray) -> np.ndarray:
    """``samples`` times the gain, in the same dtype; integer formats clip at full scale."""
    factor = 10.0 ** (GAIN_DB / 20.0)
    if samples.dtype == np.uint8:  # 8-bit WAV is unsigned, centred on 128
        scaled = (samples.astype(np.float64) - 128.0) * factor + 128.0
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    if np.issubdtype(samples.dtype, np.integer):
        info = np.iinfo(samples.dtype)
        scaled = np.rint(samples.astype(np.float64) * factor)
        return np.clip(scaled, info.min, info.max).astype(samples.dtype)
    return (samples * factor).astype(samples.dtype)


def _write(folder: Path, instance_id: object, rate: int, samples: np.ndarray) -> str:
    """Save a WAV named after the instance id, atomically unless identical; its absolute path."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(instance_id))[:80]
    digest = hashlib.sha256(str(instance_id).encode()).hexdigest()[:12]
    path = folder / f"{safe}-{digest}.wav"
    buffer = io.BytesIO()
    wavfile.write(buffer, rate, samples)
    content = buffer.getvalue()
    if not (path.is_file() and path.read_bytes() == content):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    return str(path.resolve())


@transform
def audio_gain(df: pd.DataFrame, ops: ZenoOptions) -> pd.DataFrame:
    """The recording made 12 dB quieter (a quarter of its amplitude).

    Speech recognisers and audio classifiers are often trained on well-levelled recordings
    and fail on quiet ones (a distant microphone, a soft speaker). Every sample is multiplied
    by ``10 ** (GAIN_DB / 20)`` (``GAIN_DB`` = -12; make it positive to amplify, which clips
    integer formats at full scale), so the RMS level changes by exactly ``GAIN_DB`` dB up to
    rounding. The file keeps its sample rate, channels and sample format (24-bit input is
    written as 32-bit, the way ``scipy.io.wavfile`` reads it). Deterministic.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds WAV file paths, relative to ``ops.data_path``
        (or absolute); ``df[ops.id_column]`` the instance ids.
    ops
        zenohub's options; reads ``id_column``, ``data_column``, ``data_path`` and
        ``output_path`` (the folder the new WAV files are written to).

    Returns
    -------
    pandas.DataFrame
        A copy of the batch whose data column holds the absolute paths of the new WAV files
        (one per instance, named after its id); missing data cells stay missing.

    Raises
    ------
    DataError
        Naming the file, when a file cannot be read as WAV.
    """
    folder = _columns(df, ops)
    paths: list[object] = []
    for instance_id, source in zip(df[ops.id_column], df[ops.data_column], strict=True):
        if pd.isna(source):
            paths.append(source)
            continue
        rate, samples = _read(os.path.join(ops.data_path, str(source)))
        paths.append(_write(folder, instance_id, rate, _gained(samples)))
    out = df.copy()
    out[ops.data_column] = pd.Series(paths, index=df.index, dtype=object)
    return out
