"""Readability: the Flesch reading-ease score of each text.

Part of zenohub's bundled function hub: ``zenohub hub install readability``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenohub import DataError, DistillReturn, ZenoOptions, distill

#: Flesch (1948): 206.835 - 1.015 * words per sentence - 84.6 * syllables per word
BASE, PER_SENTENCE, PER_SYLLABLE = 206.835, 1.015, 84.6
#: a word for counting syllables: a run of letters (digits and punctuation are not words)
WORD = r"[^\W\d_]+"
#: a sentence ends at one or more of . ! ? followed by whitespace or the end of the text
SENTENCE_END = r"[.!?]+(?=\s|$)"


def _texts(df: pd.DataFrame, ops: ZenoOptions) -> pd.Series:
    """The batch's texts as a string Series (missing cells stay missing), positions 0..n-1."""
    if ops.data_column not in df:
        raise DataError(f"readability: the data column '{ops.data_column}' is not in the table.")
    return df[ops.data_column].astype("string").reset_index(drop=True)


def _floats(values: pd.Series) -> np.ndarray:
    """A nullable numeric Series as float64, missing values as NaN."""
    return values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)


def _syllables(words: pd.Series) -> pd.Series:
    """Estimated syllables of each (lower-case, apostrophe-free) word: vowel groups, minus a
    silent final ``e`` (not ``-le``), a silent ``-ed`` (not after ``t``/``d``) and a silent
    ``-es`` (not after a sibilant), at least one per word."""
    groups = words.str.count(r"[aeiouy]+")
    silent = (
        (words.str.contains(r"[^aeiouy]e$") & ~words.str.contains(r"[^aeiouy]le$"))
        | words.str.contains(r"[^aeiouytd]ed$")
        | words.str.contains(r"[^aeiouysxzcgh]es$")
    )
    return (groups - (silent & (groups > 1)).astype(int)).clip(lower=1)


@distill(per_model=False)
def readability(df: pd.DataFrame, ops: ZenoOptions) -> DistillReturn:
    """Flesch reading-ease score (Flesch, 1948) of the text; higher is easier to read.

    ``206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)``. About 90-100 is
    easy for an 11-year-old, 60-70 plain English, below 30 academic prose. Useful to check
    whether a model (a summariser, a classifier, an ASR system's transcripts) fails more on
    complex writing. Extreme texts can score above 100 or below 0.

    Syllables are estimated by a heuristic (vowel groups with corrections for silent ``e``,
    ``-ed`` and ``-es``), sentences by terminal punctuation (a text without any counts as one
    sentence) and words are runs of letters; the score is meant for English.

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
        One float per row (reading-ease points, usually 0..100); NaN where the text is
        missing or has no words.
    """
    texts = _texts(df, ops)
    cleaned = texts.str.lower().str.replace(r"['\u2019]", "", regex=True)
    words = cleaned.str.findall(WORD).explode().dropna()
    n_words = _floats(cleaned.str.count(WORD))
    syllables = np.zeros(len(texts))
    if len(words):
        per_row = _syllables(words.astype(str)).groupby(level=0).sum()
        syllables[per_row.index.to_numpy()] = per_row.to_numpy()
    sentences = np.maximum(_floats(texts.str.count(SENTENCE_END)), 1.0)
    score = np.full(len(texts), np.nan)
    ok = n_words > 0
    score[ok] = (
        BASE
        - PER_SENTENCE * n_words[ok] / sentences[ok]
        - PER_SYLLABLE * syllables[ok] / n_words[ok]
    )
    return DistillReturn(distill_output=score)
