"""Toxicity lexicon hits: how many mild insults from a small bundled lexicon a text holds.

Part of zenohub's bundled function hub: ``zenohub hub install toxicity_lexicon_hits``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from zenohub import DataError, DistillReturn, ZenoOptions, distill

#: mild insults and dismissive words (lower case; plurals are matched too). Edit to taste.
LEXICON = (
    "airhead",
    "bonehead",
    "buffoon",
    "clown",
    "clueless",
    "dimwit",
    "dumb",
    "dunce",
    "fool",
    "foolish",
    "halfwit",
    "idiot",
    "idiotic",
    "ignoramus",
    "imbecile",
    "incompetent",
    "jerk",
    "lame",
    "loser",
    "moron",
    "moronic",
    "nitwit",
    "numbskull",
    "pathetic",
    "shut up",
    "stupid",
    "useless",
    "worthless",
)
#: whole words or phrases from the lexicon, optionally plural, any case; a hyphenated word
#: ("fool-proof") is not a match
PATTERN = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in LEXICON)
    + r")(?:e?s)?(?![\w-])",
    re.IGNORECASE,
)


def _texts(df: pd.DataFrame, ops: ZenoOptions) -> pd.Series:
    """The batch's texts as a string Series (missing cells stay missing), positions 0..n-1."""
    if ops.data_column not in df:
        raise DataError(
            f"toxicity_lexicon_hits: the data column '{ops.data_column}' is not in the table."
        )
    return df[ops.data_column].astype("string").reset_index(drop=True)


def _floats(values: pd.Series) -> np.ndarray:
    """A nullable numeric Series as float64, missing values as NaN."""
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


@distill(per_model=False)
def toxicity_lexicon_hits(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Number of occurrences of words from a small bundled lexicon of mild insults.

    A transparent, dependency-free toxicity signal: whole-word, case-insensitive matches of
    the words in ``LEXICON`` (``idiot``, ``stupid``, ``loser``, ``shut up``, ...), plurals
    included. Use it to check whether a classifier or a generator behaves differently on
    hostile inputs, or to find outputs that insult users. It is a lexicon, not a model: it
    misses insults not in the list and counts quoted or negated uses ("not stupid"), so treat
    it as a slice definition, not a verdict. Extend ``LEXICON`` for your domain.

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
        One float per row, ``>= 0`` (matches); NaN where the text is missing.
    """
    return DistillReturn(distill_output=_floats(_texts(df, ops).str.count(PATTERN)))
