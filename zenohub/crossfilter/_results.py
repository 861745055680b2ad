"""Flat exclude-self results -- counts, value sums -- of the current filters, indexed or not."""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from ._filters import Filter, RangeFilter, SetFilter
from ._index import RangeIndex, Rows, SetIndex, Sums
from ._jit import threads_for
from ._values import Values

Index = RangeIndex | SetIndex | None


def _own_slice(rows: Rows, index: RangeIndex | SetIndex, out: np.ndarray, own: np.ndarray) -> None:
    """The active view's exclude-self bins ignore its own filter: take them unfiltered."""
    v = index.view_id
    out[rows.offsets[v] : rows.offsets[v + 1]] = own[rows.offsets[v] : rows.offsets[v + 1]]


def flat_counts(rows: Rows, index: Index, flt: Filter | None) -> np.ndarray:
    """Every view's exclude-self counts in the flat layout; ``flt`` is the active view's filter.

    Without an index the row counters hold every filter and one pass over the rows answers.
    """
    if index is None:
        nt = threads_for(rows.codes.shape[0])
        return K.hist_counts(rows.codes, rows.offsets, rows.nfail, rows.failid, nt).sum(axis=0)
    if isinstance(index, RangeIndex):
        own = index.unfiltered()
        if not isinstance(flt, RangeFilter):
            return own
        out = index.counts(flt.lo, flt.hi)
    else:
        own = index.counts(None)
        if not isinstance(flt, SetFilter):
            return own
        out = index.counts(flt.lut)
    _own_slice(rows, index, out, own)
    return out


def flat_sums(rows: Rows, index: Index, flt: Filter | None, name: str, vals: Values) -> Sums:
    """Like :func:`flat_counts` for the sums and non-missing counts of a value column."""
    if index is None:
        nt = threads_for(rows.codes.shape[0])
        s, nn = K.hist_values(
            rows.codes, rows.offsets, rows.nfail, rows.failid, vals.data, vals.sentinel, nt
        )
        return Sums(s.sum(axis=0), nn.sum(axis=0))
    if isinstance(index, RangeIndex):
        own = index.unfiltered_values(name)
        if not isinstance(flt, RangeFilter):
            return own
        out = index.value_sums(name, flt.lo, flt.hi)
    else:
        own = index.value_sums(name, None)
        if not isinstance(flt, SetFilter):
            return own
        out = index.value_sums(name, flt.lut)
    _own_slice(rows, index, out.total, own.total)
    _own_slice(rows, index, out.nn, own.nn)
    return out


def mean(total: np.ndarray, nn: np.ndarray) -> np.ndarray:
    """``total / nn``, NaN where there is no value."""
    out = np.full(total.shape, np.nan)
    np.divide(total, nn, out=out, where=nn > 0)
    return out
