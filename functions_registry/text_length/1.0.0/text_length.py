"""Text length: the number of characters of each text.

Part of zenohub's bundled function hub: ``zenohub hub install text_length``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub import DataError, DistillReturn, ZenoOptions, distill


def _texts(df: pd.DataFrame, ops: ZenoOptions) -> pd.Series:
    """The batch's texts as a string Series (missing cells stay missing), positions 0..n-1."""
    if ops.data_column not in df:
        raise DataError(f"text_length: the data column '{ops.data_column}' is not in the table.")
    return df[ops.data_column].astype("string").reset_index(drop=True)


def _floats(values: pd.Series) -> np.ndarray:
    """A nullable numeric Series as float64, missing values as NaN."""
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


@distill(per_model=False)
def text_length(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Number of characters (Unicode code points) of the text, whitespace included.

    Models often degrade on very short inputs (too little context) or very long ones
    (truncation at the model's context limit); slicing by length finds both.

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
        One float per row, ``>= 0`` (characters); NaN where the text is missing.
    """
    return DistillReturn(distill_output=_floats(_texts(df, ops).str.len()))
