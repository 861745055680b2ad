"""Numba kernels of the cross-filter rows: binning, filter bookkeeping and histograms.

Rows are described by a row-major code matrix ``codes[row, view]`` (one cache line per row for up to
64 views) and two per-row counters kept by the engine:

``nfail[row]``
    how many filters the row fails;
``failid[row]``
    the XOR of ``view + 1`` over the failed filters -- when ``nfail == 1`` it names the one view
    whose filter the row fails.

A row counts for view ``v``'s exclude-self histogram when ``nfail == 0``, or when ``nfail == 1``
and ``failid == v + 1``. Histograms of all views live in one flat vector: view ``v`` owns
``[offsets[v], offsets[v + 1])`` and the last slot counts the rows passing every filter.

Missing raw values are recognised with a sentinel ``nat``: ``NaN`` for float data (``v != v``) and
``iNaT`` (int64 minimum) for datetimes; value columns use ``NaN`` or ``255`` (booleans as uint8).

Kernels are compiled once per process (and cached on disk). Row kernels come in two builds of
the same source: a serial one for small tables, where waking a thread pool costs more than the
work, and a parallel one splitting the rows into one chunk per thread, each with private
accumulators summed at the end.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._jit import RowKernel

__all__ = [
    "bin_codes",
    "bin_sorted",
    "fold_range",
    "fold_set",
    "hist_counts",
    "hist_values",
    "range_pass",
    "subset_sums",
    "table_counts",
    "table_values",
    "value_range",
]


@njit(cache=True, nogil=True)
def value_range(x, nat, first, last):
    """``(n_valid, n_finite, min, max, finite_min, finite_max)`` of ``x``, missing skipped.

    ``first`` / ``last`` are the largest / smallest values of ``x``'s type, the neutral starts of
    the min / max (branch-free) reductions.
    """
    n_valid = 0
    n_finite = 0
    lo = first
    hi = last
    flo = first
    fhi = last
    for i in range(x.shape[0]):
        v = x[i]
        if v != v or v == nat:
            continue
        n_valid += 1
        lo = min(lo, v)
        hi = max(hi, v)
        if v - v == 0:  # finite (always true for integers)
            n_finite += 1
            flo = min(flo, v)
            fhi = max(fhi, v)
    return n_valid, n_finite, lo, hi, flo, fhi


@RowKernel
def bin_codes(x, edges, nat, out, col):
    """Write into ``out[:, col]`` the bin ``j`` of each value: ``edges[j] <= x < edges[j + 1]``.

    The last bin is closed, values beyond the outer edges (infinities) go to the outer bins and
    missing values to bin ``len(edges) - 1``. This is ``np.histogram``'s rule: a first guess
    by arithmetic, then exact comparisons against the edges.
    """
    nb = edges.shape[0] - 1
    e0 = float(edges[0])
    span = float(edges[nb]) - e0
    scale = nb / span if span > 0.0 else 0.0
    for i in prange(x.shape[0]):
        v = x[i]
        if v != v or v == nat:
            out[i, col] = nb
            continue
        f = (float(v) - e0) * scale
        if f >= nb:
            j = nb - 1
        elif f > 0.0:
            j = int(f)
        else:
            j = 0
        while j > 0 and edges[j] > v:
            j -= 1
        while j < nb - 1 and edges[j + 1] <= v:
            j += 1
        out[i, col] = j


@njit(cache=True, nogil=True, inline="always")
def _last_le(edges, v, lo, hi):
    """Largest ``j`` in ``[lo, hi)`` with ``edges[j] <= v`` (``lo`` if none), by bisection."""
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        below = edges[mid] <= v  # selects rather than branches: no mispredictions
        lo = mid if below else lo
        hi = hi if below else mid
    return lo


@RowKernel
def bin_sorted(x, edges, nat, grid, out):
    """:func:`bin_codes` for edges of any spacing.

    ``grid[c]`` is the bin of the left end of cell ``c`` of a uniform grid over the edges' range,
    so a value's bin lies between ``grid[c]`` and ``grid[c + 1]``: a bisection of a few edges,
    checked against the edges and redone over all of them if rounding put it in the wrong cell.
    """
    nb = edges.shape[0] - 1
    ncells = grid.shape[0] - 1
    e0 = float(edges[0])
    span = float(edges[nb]) - e0
    scale = ncells / span if span > 0.0 else 0.0
    for i in prange(x.shape[0]):
        v = x[i]
        if v != v or v == nat:
            out[i] = nb
            continue
        f = (float(v) - e0) * scale
        if f >= ncells:
            c = ncells - 1
        elif f > 0.0:
            c = int(f)
        else:
            c = 0
        j = _last_le(edges, v, grid[c], min(grid[c + 1] + 2, nb))
        if not ((j == 0 or edges[j] <= v) and (j == nb - 1 or v < edges[j + 1])):
            j = _last_le(edges, v, 0, nb)
        out[i] = j


@RowKernel
def range_pass(x, lo, hi, nat, out):
    """``out[i] = lo <= x[i] <= hi`` with missing values failing."""
    for i in prange(x.shape[0]):
        v = x[i]
        out[i] = v != nat and v >= lo and v <= hi


@RowKernel
def fold_range(x, lo, hi, nat, nfail, failid, tag, add):
    """Add (or remove) the range filter ``lo <= x <= hi`` of view ``tag - 1`` to the counters."""
    for i in prange(x.shape[0]):
        v = x[i]
        if not (v != nat and v >= lo and v <= hi):
            if add:
                nfail[i] += 1
            else:
                nfail[i] -= 1
            failid[i] ^= tag


@RowKernel
def fold_set(codes, col, lut, nfail, failid, tag, add):
    """Add (or remove) the set filter ``lut[codes[:, col]]`` of view ``tag - 1`` to the counters."""
    for i in prange(codes.shape[0]):
        if not lut[codes[i, col]]:
            if add:
                nfail[i] += 1
            else:
                nfail[i] -= 1
            failid[i] ^= tag


@RowKernel
def hist_counts(codes, offsets, nfail, failid, nt):
    """Exclude-self histograms of every view in one pass (flat layout, see module docstring)."""
    n, nv = codes.shape
    total = offsets[nv]
    acc = np.zeros((nt, total + 1), np.int64)
    for c in prange(nt):
        for i in range(n * c // nt, n * (c + 1) // nt):
            nf = nfail[i]
            if nf == 0:
                for v in range(nv):
                    acc[c, offsets[v] + codes[i, v]] += 1
                acc[c, total] += 1
            elif nf == 1:
                v = failid[i] - 1
                acc[c, offsets[v] + codes[i, v]] += 1
    return acc


@RowKernel
def hist_values(codes, offsets, nfail, failid, vals, sentinel, nt):
    """Sums and non-missing counts of ``vals`` per bin under the exclude-self filter."""
    n, nv = codes.shape
    total = offsets[nv]
    sums = np.zeros((nt, total + 1), np.float64)
    nn = np.zeros((nt, total + 1), np.int64)
    for c in prange(nt):
        for i in range(n * c // nt, n * (c + 1) // nt):
            nf = nfail[i]
            w = vals[i]
            if nf > 1 or w != w or w == sentinel:
                continue
            fw = float(w)
            if nf == 0:
                for v in range(nv):
                    k = offsets[v] + codes[i, v]
                    sums[c, k] += fw
                    nn[c, k] += 1
                sums[c, total] += fw
                nn[c, total] += 1
            else:
                v = failid[i] - 1
                k = offsets[v] + codes[i, v]
                sums[c, k] += fw
                nn[c, k] += 1
    return sums, nn


@RowKernel
def table_counts(fine, nfine, codes, offsets, nfail, failid, nt):
    """(fine bin x flat bin) counts of every view under its exclude-self filter."""
    n, nv = codes.shape
    total = offsets[nv]
    acc = np.zeros((nt, nfine, total + 1), np.int64)
    for c in prange(nt):
        for i in range(n * c // nt, n * (c + 1) // nt):
            nf = nfail[i]
            f = fine[i]
            if nf == 0:
                for v in range(nv):
                    acc[c, f, offsets[v] + codes[i, v]] += 1
                acc[c, f, total] += 1
            elif nf == 1:
                v = failid[i] - 1
                acc[c, f, offsets[v] + codes[i, v]] += 1
    return acc


@RowKernel
def table_values(fine, nfine, codes, offsets, nfail, failid, vals, sentinel, nt):
    """(fine bin x flat bin) value sums and non-missing counts, per thread."""
    n, nv = codes.shape
    total = offsets[nv]
    sums = np.zeros((nt, nfine, total + 1), np.float64)
    nn = np.zeros((nt, nfine, total + 1), np.int64)
    for c in prange(nt):
        for i in range(n * c // nt, n * (c + 1) // nt):
            nf = nfail[i]
            w = vals[i]
            if nf > 1 or w != w or w == sentinel:
                continue
            fw = float(w)
            f = fine[i]
            if nf == 0:
                for v in range(nv):
                    k = offsets[v] + codes[i, v]
                    sums[c, f, k] += fw
                    nn[c, f, k] += 1
                sums[c, f, total] += fw
                nn[c, f, total] += 1
            else:
                v = failid[i] - 1
                k = offsets[v] + codes[i, v]
                sums[c, f, k] += fw
                nn[c, f, k] += 1
    return sums, nn


@njit(cache=True, nogil=True)
def subset_sums(masks: np.ndarray, data: np.ndarray, sentinel: float) -> tuple:  # type: ignore[type-arg]
    """Rows, sum and non-missing count of ``data`` for each row subset ``masks[k]``.

    One pass over the rows per subset; ``data`` holds uint8 (``sentinel`` 255) or float64 values
    (``NaN`` missing, ``sentinel`` NaN as well).
    """
    k_count, n = masks.shape
    rows = np.zeros(k_count, np.int64)
    total = np.zeros(k_count, np.float64)
    nn = np.zeros(k_count, np.int64)
    for k in range(k_count):
        r, t, c = 0, 0.0, 0
        for i in range(n):
            if masks[k, i]:
                r += 1
                v = data[i]
                if v == v and v != sentinel:
                    t += v
                    c += 1
        rows[k], total[k], nn[k] = r, t, c
    return rows, total, nn
