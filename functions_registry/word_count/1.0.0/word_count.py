"""Word count: the number of words of each text.

Part of zenohub's bundled function hub: ``zenohub hub install word_count``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub import DataError, DistillReturn, ZenoOptions, distill

#: a word: a run of letters / digits / underscores, apostrophes inside it allowed ("don't")
WORD = r"\w+(?:['\u2019]\w+)*"


def _texts(df: pd.DataFrame, ops: ZenoOptions) -> pd.Series:
    """The batch's texts as a string Series (missing cells stay missing), positions 0..n-1."""
    if ops.data_column not in df:
        raise DataError(f"word_count: the data column '{ops.data_column}' is not in the table.")
    return df[ops.data_column].astype("string").reset_index(drop=True)


def _floats(values: pd.Series) -> np.ndarray:
    """A nullable numeric Series as float64, missing values as NaN."""
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


@distill(per_model=False)
def word_count(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Number of words in the text.

    A word is a run of letters, digits or underscores, possibly joined by apostrophes, so
    ``"Don't stop - 42 times!"`` has 4 words; punctuation alone is not a word. Useful to
    slice by input length in words (the unit most language models are sensitive to).

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
        One float per row, ``>= 0`` (words); NaN where the text is missing.
    """
    return DistillReturn(distill_output=_floats(_texts(df, ops).str.count(WORD)))
