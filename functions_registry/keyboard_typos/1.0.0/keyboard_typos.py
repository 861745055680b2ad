"""Keyboard typos: texts with a share of letters replaced by a neighbouring QWERTY key.

Part of zenohub's bundled function hub: ``zenohub hub install keyboard_typos``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from zenohub import DataError, ZenoOptions, transform

#: share of the letters of each text that get a typo (rounded half up to a whole number)
RATE = 0.05
#: the keys around each letter on a US QWERTY keyboard
NEIGHBOURS = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "r": "etdf",
    "t": "ryfg",
    "y": "tugh",
    "u": "yihj",
    "i": "uojk",
    "o": "ipkl",
    "p": "ol",
    "a": "qwsz",
    "s": "awedxz",
    "d": "serfcx",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}


def _rng(instance_id: object) -> np.random.Generator:
    """A random generator that depends only on this transform and the instance id."""
    digest = hashlib.sha256(f"keyboard_typos:{instance_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _typos(text: str, rng: np.random.Generator) -> str:
    """``text`` with ``RATE`` of its ASCII letters replaced by a neighbouring key, case kept."""
    chars = list(text)
    letters = [i for i, c in enumerate(chars) if c.lower() in NEIGHBOURS]
    count = int(RATE * len(letters) + 0.5)
    if count == 0:
        return text
    for i in sorted(rng.choice(letters, size=count, replace=False)):
        keys = NEIGHBOURS[chars[i].lower()]
        key = keys[rng.integers(len(keys))]
        chars[i] = key.upper() if chars[i].isupper() else key
    return "".join(chars)


@transform
def keyboard_typos(df: pd.DataFrame, ops: ZenoOptions) -> pd.DataFrame:
    """The text with 5% of its letters mistyped as a neighbouring key on a QWERTY keyboard.

    Real users make typos; a text model whose prediction flips on ``"teh"`` for ``"the"`` is
    brittle. This transform replaces ``round(RATE * letters)`` randomly chosen ASCII letters
    (``RATE`` = 0.05, rounded half up, so texts under 10 letters are unchanged) each by a key
    adjacent to it on a US QWERTY keyboard, keeping upper / lower case; every other character
    (digits, punctuation, spaces, non-ASCII letters) is left alone and the text keeps its
    length. The typos depend only on the instance id, so reruns and workers agree. Edit
    ``RATE`` for more or fewer typos.

    Parameters
    ----------
    df
        The batch. ``df[ops.data_column]`` holds the texts themselves (non-strings are
        converted with ``str``); ``df[ops.id_column]`` the instance ids.
    ops
        zenohub's options; reads ``id_column`` and ``data_column``.

    Returns
    -------
    pandas.DataFrame
        A copy of the batch whose data column holds the texts with typos; missing texts stay
        missing.
    """
    for key, column in (("id_column", ops.id_column), ("data_column", ops.data_column)):
        if column not in df:
            raise DataError(f"keyboard_typos: {key} '{column}' is not a column of the table.")
    texts = [
        text if pd.isna(text) else _typos(str(text), _rng(instance_id))
        for instance_id, text in zip(df[ops.id_column], df[ops.data_column], strict=True)
    ]
    out = df.copy()
    out[ops.data_column] = pd.Series(texts, index=df.index, dtype=object)
    return out
