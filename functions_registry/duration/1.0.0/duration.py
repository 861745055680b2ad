"""Audio duration: the length of each recording in seconds.

Part of zenohub's bundled function hub: ``zenohub hub install duration``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from scipy.io import wavfile

from zenohub import DataError, DistillReturn, ZenoOptions, distill


def _paths(df: pd.DataFrame, ops: ZenoOptions) -> list[str | None]:
    """Each row's audio file (joined to ``ops.data_path``); None where the cell is missing."""
    if ops.data_column not in df:
        raise DataError(f"duration: the data column '{ops.data_column}' is not in the table.")
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
        raise DataError(f"duration: cannot read WAV file {path}: {exc}") from exc
    data = data[:, np.newaxis] if data.ndim == 1 else data
    if data.dtype == np.uint8:
        return rate, (data.astype(np.float64) - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        # 24-bit samples come left-justified in int32, so full scale is the dtype's range
        return rate, data.astype(np.float64) / float(-np.iinfo(data.dtype).min)
    return rate, data.astype(np.float64)


@distill(per_model=False)
def duration(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Length of the recording in seconds (frames divided by the sample rate).

    Very short clips (clipped utterances) and long ones (beyond a model's window) fail in
    different ways; slicing by duration separates them.

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
        One float per row, ``>= 0`` (seconds); NaN where the data cell is missing.

    Raises
    ------
    DataError
        Naming the file, when a file cannot be read as WAV.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            rate, samples = _read(path)
            values[i] = len(samples) / rate
    return DistillReturn(distill_output=values)
