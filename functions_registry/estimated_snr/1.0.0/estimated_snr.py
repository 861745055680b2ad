"""Estimated SNR: the signal-to-noise ratio of each recording, estimated blindly, in dB.

Part of zenohub's bundled function hub: ``zenohub hub install estimated_snr``.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from scipy import signal
from scipy.io import wavfile

from zenohub import DataError, DistillReturn, ZenoOptions, distill

#: Welch segment length in samples (shorter recordings use their own length)
SEGMENT = 512
#: estimates are clipped to this range of dB (a noiseless synthetic tone would be infinite)
MIN_DB, MAX_DB = -20.0, 100.0


def _paths(df: pd.DataFrame, ops: ZenoOptions) -> list[str | None]:
    """Each row's audio file (joined to ``ops.data_path``); None where the cell is missing."""
    if ops.data_column not in df:
        raise DataError(f"estimated_snr: the data column '{ops.data_column}' is not in the table.")
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
        raise DataError(f"estimated_snr: cannot read WAV file {path}: {exc}") from exc
    data = data[:, np.newaxis] if data.ndim == 1 else data
    if data.dtype == np.uint8:
        return rate, (data.astype(np.float64) - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        # 24-bit samples come left-justified in int32, so full scale is the dtype's range
        return rate, data.astype(np.float64) / float(-np.iinfo(data.dtype).min)
    return rate, data.astype(np.float64)


def _snr_db(rate: int, samples: np.ndarray) -> float:
    """Blind SNR in dB: noise floor from the median of the Welch power spectrum."""
    mono = samples.mean(axis=1)
    if len(mono) < 16:
        return float("nan")
    _, psd = signal.welch(mono, fs=rate, nperseg=min(SEGMENT, len(mono)))
    total = float(psd.sum())
    if total <= 0:
        return float("nan")  # digital silence: neither signal nor noise
    noise = float(np.median(psd)) * len(psd)
    if noise <= 0:
        return MAX_DB
    ratio = (total - noise) / noise
    if ratio <= 0:
        return MIN_DB
    return float(np.clip(10.0 * np.log10(ratio), MIN_DB, MAX_DB))


@distill(per_model=False)
def estimated_snr(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Blind estimate of the recording's signal-to-noise ratio, in dB.

    No clean reference is needed: the channels are averaged to mono, the power spectrum is
    estimated with Welch's method (Hann windows of ``SEGMENT`` = 512 samples, half
    overlapping), and the noise floor is taken as the *median* spectral density across
    frequencies, times the bandwidth. Signal power is the total power minus that noise
    power, and the SNR is ``10 * log10(signal / noise)``, clipped to ``[MIN_DB, MAX_DB]``
    (-20..100). The estimate assumes broadband, roughly white noise and a signal whose
    energy sits in fewer than half of the frequency bins (tones, music, voiced speech at
    16 kHz and above); it is accurate to about 1 dB for a tone in white noise and coarser
    for speech, so use it to rank and slice recordings (noisy versus clean), not as a
    calibrated measurement. Background noise is a frequent cause of speech recognition and
    audio classification failures.

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
        One float per row (dB, in ``[-20, 100]``); NaN where the data cell is missing, the
        file is digital silence or holds fewer than 16 samples.

    Raises
    ------
    DataError
        Naming the file, when a file cannot be read as WAV.
    """
    values = np.full(len(df), np.nan)
    for i, path in enumerate(_paths(df, ops)):
        if path is not None:
            rate, samples = _read(path)
            values[i] = _snr_db(rate, samples)
    return DistillReturn(distill_output=values)
