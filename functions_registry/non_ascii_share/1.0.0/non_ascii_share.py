"""Non-ASCII share: the fraction of each text's characters outside ASCII.

Part of zenohub's bundled function hub: ``zenohub hub install non_ascii_share``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub import DataError, DistillReturn, ZenoOptions, distill


def _texts(df: pd.DataFrame, ops: ZenoOptions) -> pd.Series:
    """The batch's texts as a string Series (missing cells stay missing), positions 0..n-1."""
    if ops.data_column not in df:
        raise DataError(
            f"non_ascii_share: the data column '{ops.data_column}' is not in the table."
        )
    return df[ops.data_column].astype("string").reset_index(drop=True)


def _floats(values: pd.Series) -> np.ndarray:
    """A nullable numeric Series as float64, missing values as NaN."""
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


@distill(per_model=False)
def non_ascii_share(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Fraction of the text's characters that are not ASCII (code point above 127).

    A quick flag for non-English text, accented names, emoji, typographic quotes or encoding
    damage (mojibake) -- inputs English-centric models and tokenizers often handle badly.
    0 for plain ASCII text, 1 for text with no ASCII character at all.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds the text itself (non-string values are
        converted with ``str``).
    ops
        zenohub's options; reads ``data_column``.

    Returns
    -------
    DistillReturn
        One float per row in ``[0, 1]``; NaN where the text is missing or empty.
    """
    texts = _texts(df, ops)
    counts = _floats(texts.str.count(r"[^\x00-\x7f]"))
    lengths = _floats(texts.str.len())
    share = np.full(len(texts), np.nan)
    np.divide(counts, lengths, out=share, where=lengths > 0)
    return DistillReturn(distill_output=share)
