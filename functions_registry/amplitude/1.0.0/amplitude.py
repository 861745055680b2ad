"""Audio amplitude: the RMS level of each recording in dBFS.

Part of zenohub's bundled function hub: ``zenohub hub install amplitude``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from scipy.io import wavfile

from zenohub import DataError, DistillReturn, ZenoOptions, distill

#: level reported for digital silence (an RMS of exactly 0), below any real recording's noise
SILENCE_FLOOR_DB = -120.0


def _paths(df: pd.DataFrame, ops: ZenoOptions) -> list[str | None]:
    """Each row's audio file (joined to ``ops.data_path``); None where the cell is missing."""
    if ops.data_column not in df:
        raise DataError(f"amplitude: the data column '{ops.data_column}' is not in the table.")
    return [
        None if pd.isna(v) else os.path.join(ops.data_path, str(v)) for v in df[ops.data_column]
    ]


def _read(path: str) -> tuple[int, np.ndarray]:
    """(sample rate, samples as float64 (frames, channels) in -1..1) of a WAV file."""
    try:
        with warnings.catch_warnings():
            # unknown chunks (cue points, metadata) are skipped with a warning: harmless here
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            rate, data = wavfile.read(path)
    except (OSError, ValueError, EOFError) as exc:
        raise DataError(f"amplitude: cannot read WAV file {path}: {exc}") from exc
    data = data[:, np.newaxis] if data.ndim == 1 else data
    if data.dtype == np.uint8:
        return rate, (data.astype(np.float64) - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        # 24-bit samples come left-justified in int32, so full scale is the dtype's range
        return rate, data.astype(np.float64) / float(-np.iinfo(data.dtype).min)
    return rate, data.astype(np.float64)


def _rms_dbfs(samples: np.ndarray) -> float:
    """RMS level over all samples and channels, in dB relative to full scale."""
    if samples.size == 0:
        return float("nan")
    rms = float(np.sqrt(np.mean(samples**2)))
    return max(20.0 * np.log10(rms), SILENCE_FLOOR_DB) if rms > 0 else SILENCE_FLOOR_DB


@distill(per_model=False)
def amplitude(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Loudness of the recording: its RMS level in dBFS (decibels relative to full scale).

    ``20 * log10(sqrt(mean(x ** 2)))`` over all samples and channels, with samples scaled to
    -1..1. 0 dBFS is a full-scale square wave, a full-scale sine is -3.01 dBFS, speech is
    typically -30 to -15 dBFS and digital silence is reported as ``SILENCE_FLOOR_DB``
    (-120). Speech and audio models often fail on quiet or clipped-loud recordings; slice
    by this column to see it.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds WAV file paths, relative to ``ops.data_path``
        (or absolute): PCM 8/16/24/32-bit or float, mono or multi-channel (read with
        ``scipy.io.wavfile``; convert other formats to WAV first).
    ops
        zenohub's options; reads ``data_column`` and ``data_path``.

    Returns
    -------
    DistillReturn
        One float per row, ``<= 0`` for in-range audio (dBFS, floored at -120); NaN where
        the data cell is missing or the file holds no samples.

    Raises
    ------
    DataError
        Naming the file, when a file cannot be read as WAV.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            _, samples = _read(path)
            values[i] = _rms_dbfs(samples)
    return DistillReturn(distill_output=values)
