"""Falcon-style cross-filtering of the metadata histograms (pure numpy / numba, no Panel).

:class:`CrossFilter` bins every filterable column once into compact codes; brushing or selecting
one view updates every other view's histogram and per-bin metric under exclude-self semantics.
Brushing a range view builds a prefix-sum index so that each further brush move costs O(bins)
per view, independent of the row count (Moritz, Howe & Heer, CHI 2019).

>>> cf = CrossFilter(df, value_columns=["correct"])          # doctest: +SKIP
>>> cf.brush("length", (2.0, 7.5))                           # doctest: +SKIP
>>> cf.counts()["label"], cf.metric_per_bin("label", "correct")  # doctest: +SKIP
"""

from ._engine import CrossFilter
from ._errors import CrossFilterError

__all__ = ["CrossFilter", "CrossFilterError"]
