"""Silence ratio: the share of each recording that is silent (frames below -40 dBFS).

Part of zenohub's bundled function hub: ``zenohub hub install silence_ratio``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from scipy.io import wavfile

from zenohub import DataError, DistillReturn, ZenoOptions, distill

#: analysis frame length in seconds
FRAME_SECONDS = 0.02
#: a frame whose RMS level is below this many dBFS counts as silent
SILENCE_DBFS = -40.0


def _paths(df: pd.DataFrame, ops: ZenoOptions) -> list[str | None]:
    """Each row's audio file (joined to ``ops.data_path``); None where the cell is missing."""
    if ops.data_column not in df:
        raise DataError(f"silence_ratio: the data column '{ops.data_column}' is not in the table.")
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
        raise DataError(f"silence_ratio: cannot read WAV file {path}: {exc}") from exc
    data = data[:, np.newaxis] if data.ndim == 1 else data
    if data.dtype == np.uint8:
        return rate, (data.astype(np.float64) - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        # 24-bit samples come left-justified in int32, so full scale is the dtype's range
        return rate, data.astype(np.float64) / float(-np.iinfo(data.dtype).min)
    return rate, data.astype(np.float64)


def _silence_ratio(rate: int, samples: np.ndarray) -> float:
    """Share of the samples lying in silent frames (the last, shorter frame included)."""
    mono = samples.mean(axis=1)
    n = len(mono)
    if n == 0:
        return float("nan")
    hop = max(1, round(FRAME_SECONDS * rate))
    full = n // hop
    power = (mono[: full * hop] ** 2).reshape(full, hop).mean(axis=1)
    lengths = np.full(full, hop)
    if n > full * hop:
        power = np.append(power, np.mean(mono[full * hop :] ** 2))
        lengths = np.append(lengths, n - full * hop)
    threshold = 10.0 ** (SILENCE_DBFS / 10.0)  # on power, i.e. the RMS squared
    return float(lengths[power < threshold].sum() / n)


@distill(per_model=False)
def silence_ratio(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Fraction of the recording's duration that is silent.

    The channels are averaged to mono, cut into 20 ms frames (``FRAME_SECONDS``) and a frame
    is silent when its RMS level is below -40 dBFS (``SILENCE_DBFS``); the result is the
    share of samples in silent frames. Long pauses, leading / trailing silence and
    near-empty recordings make speech recognisers hallucinate or drop words; this column
    finds them. The threshold is absolute, so a very quiet recording counts as silent:
    combine with ``amplitude`` when levels vary a lot.

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
        One float per row in ``[0, 1]``; NaN where the data cell is missing or the file
        holds no samples.

    Raises
    ------
    DataError
        Naming the file, when a file cannot be read as WAV.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            rate, samples = _read(path)
            values[i] = _silence_ratio(rate, samples)
    return DistillReturn(distill_output=values)
