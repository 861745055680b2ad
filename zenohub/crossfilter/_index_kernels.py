"""Numba kernels of the active-view index: bucketing, fine-bin tables and brush queries.

The index keeps the rows that can count anywhere (failing at most one filter) grouped by fine bin
of the active view -- "buckets" -- with their codes, raw active value and eligibility ``e``
(0: counts for every view, ``v + 1``: only for view ``v``). Tables are built bucket by bucket, so
every thread fills its own table rows and consecutive rows hit the same, cached, table row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._jit import BucketKernel, RowKernel

__all__ = [
    "accumulate_counts",
    "accumulate_values",
    "bucket_rows",
    "bucket_table_counts",
    "bucket_table_values",
    "count_in_range",
    "scatter_rows",
    "scatter_values",
    "tree_sum",
]


@RowKernel
def bucket_rows(fine, nfine, nfail, nt):
    """Counting sort, step one: bucket sizes of the rows with ``nfail <= 1``, by fine bin.

    Returns ``starts`` (bucket ``f`` holds bucketed rows ``[starts[f], starts[f + 1])``) and
    ``pos``, where chunk ``c`` of the rows writes its first row of bucket ``f`` (rows keep their
    order within a bucket).
    """
    n = fine.shape[0]
    hist = np.zeros((nt, nfine), np.int64)
    for c in prange(nt):
        for i in range(n * c // nt, n * (c + 1) // nt):
            if nfail[i] <= 1:
                hist[c, fine[i]] += 1
    starts = np.zeros(nfine + 1, np.int64)
    pos = np.zeros((nt, nfine), np.int64)
    run = 0
    for f in range(nfine):
        starts[f] = run
        for c in range(nt):
            pos[c, f] = run
            run += hist[c, f]
    starts[nfine] = run
    return starts, pos


@RowKernel
def scatter_rows(fine, nfail, failid, pos, codes, x, b_codes, b_x, b_elig):
    """Counting sort, step two: write codes, raw values and eligibility in bucket order.

    Rows are read in order and written to one sequential stream per bucket, which is much
    cheaper than gathering them. Eligibility is 0 for rows counting for every view and ``v + 1``
    for rows counting only for view ``v`` (they fail its filter alone). The outputs are allocated
    by numpy, which asks for huge pages: one page per bucket stream would thrash the TLB.
    """
    n = fine.shape[0]
    nt, nv = pos.shape[0], codes.shape[1]
    for c in prange(nt):
        cursor = pos[c].copy()
        for i in range(n * c // nt, n * (c + 1) // nt):
            nf = nfail[i]
            if nf > 1:
                continue
            f = fine[i]
            r = cursor[f]
            cursor[f] = r + 1
            for v in range(nv):
                b_codes[r, v] = codes[i, v]
            b_x[r] = x[i]
            b_elig[r] = 0 if nf == 0 else failid[i]


@RowKernel
def scatter_values(fine, nfail, pos, vals, out):
    """:func:`scatter_rows` for a value column."""
    n = fine.shape[0]
    nt = pos.shape[0]
    for c in prange(nt):
        cursor = pos[c].copy()
        for i in range(n * c // nt, n * (c + 1) // nt):
            if nfail[i] <= 1:
                f = fine[i]
                out[cursor[f]] = vals[i]
                cursor[f] += 1


@BucketKernel
def bucket_table_counts(starts, b_codes, b_elig, offsets):
    """(fine bin x flat bin) counts of every view under its exclude-self filter."""
    nfine = starts.shape[0] - 1
    nv = b_codes.shape[1]
    total = offsets[nv]
    out = np.zeros((nfine, total + 1), np.int64)
    for f in prange(nfine):
        for r in range(starts[f], starts[f + 1]):
            e = b_elig[r]
            if e == 0:
                for v in range(nv):
                    out[f, offsets[v] + b_codes[r, v]] += 1
                out[f, total] += 1
            else:
                v = e - 1
                out[f, offsets[v] + b_codes[r, v]] += 1
    return out


@BucketKernel
def bucket_table_values(starts, b_codes, b_elig, b_vals, sentinel, offsets):
    """(fine bin x flat bin) value sums and non-missing counts."""
    nfine = starts.shape[0] - 1
    nv = b_codes.shape[1]
    total = offsets[nv]
    sums = np.zeros((nfine, total + 1), np.float64)
    nn = np.zeros((nfine, total + 1), np.int64)
    for f in prange(nfine):
        for r in range(starts[f], starts[f + 1]):
            w = b_vals[r]
            if w != w or w == sentinel:
                continue
            fw = float(w)
            e = b_elig[r]
            if e == 0:
                for v in range(nv):
                    k = offsets[v] + b_codes[r, v]
                    sums[f, k] += fw
                    nn[f, k] += 1
                sums[f, total] += fw
                nn[f, total] += 1
            else:
                v = e - 1
                k = offsets[v] + b_codes[r, v]
                sums[f, k] += fw
                nn[f, k] += 1
    return sums, nn


@njit(cache=True, nogil=True)
def tree_sum(tree, a, b, out):
    """Add the leaves ``[a, b)`` of a bottom-up segment tree (``2P`` rows, leaves at ``P``).

    At most ``2 log2 P`` nodes, each holding only leaves inside the range: unlike a difference
    of prefix sums, no rounding error from outside the range creeps in.
    """
    p = tree.shape[0] // 2
    lo = a + p
    hi = b + p
    while lo < hi:
        if lo & 1:
            out += tree[lo]
            lo += 1
        if hi & 1:
            hi -= 1
            out += tree[hi]
        lo >>= 1
        hi >>= 1


@njit(cache=True, nogil=True)
def count_in_range(b_x, start, end, lo, hi, nat):
    """Rows of ``b_x[start:end]`` inside ``[lo, hi]``."""
    k = 0
    for r in range(start, end):
        v = b_x[r]
        if v != nat and v >= lo and v <= hi:
            k += 1
    return k


@njit(cache=True, nogil=True)
def accumulate_counts(
    b_codes,
    b_x,
    b_elig,
    start,
    end,
    lo,
    hi,
    nat,
    offsets,
    want_in,
    sign,
    out,
):
    """Add ``sign`` times the bin counts of a bucket's rows inside (or outside) ``[lo, hi]``."""
    nv = b_codes.shape[1]
    total = offsets[nv]
    for r in range(start, end):
        v = b_x[r]
        inside = v != nat and v >= lo and v <= hi
        if inside != want_in:
            continue
        e = b_elig[r]
        if e == 0:
            for w in range(nv):
                out[offsets[w] + b_codes[r, w]] += sign
            out[total] += sign
        else:
            w = e - 1
            out[offsets[w] + b_codes[r, w]] += sign


@njit(cache=True, nogil=True)
def accumulate_values(
    b_codes,
    b_x,
    b_elig,
    b_vals,
    sentinel,
    start,
    end,
    lo,
    hi,
    nat,
    offsets,
    want_in,
    sign,
    out,
    out_nn,
):
    """Like :func:`accumulate_counts` for value sums and non-missing counts."""
    nv = b_codes.shape[1]
    total = offsets[nv]
    for r in range(start, end):
        v = b_x[r]
        inside = v != nat and v >= lo and v <= hi
        w = b_vals[r]
        if inside != want_in or w != w or w == sentinel:
            continue
        fw = sign * float(w)
        e = b_elig[r]
        if e == 0:
            for u in range(nv):
                k = offsets[u] + b_codes[r, u]
                out[k] += fw
                out_nn[k] += sign
            out[total] += fw
            out_nn[total] += sign
        else:
            u = e - 1
            k = offsets[u] + b_codes[r, u]
            out[k] += fw
            out_nn[k] += sign
