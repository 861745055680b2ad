"""The active-view index of Falcon (Moritz, Howe & Heer, CHI 2019).

When view ``A`` becomes active, every row is put in a *fine bin* of ``A`` (for a range view:
``fine_bins`` equal-width "pixel" bins, split further at quantiles so that none holds more than
about :data:`BUCKET_ROWS` rows; for a set view: its categories) and, for every view, a (fine bin x
view bin) table of counts -- and of value sums and non-missing counts per registered value column
-- is built under all filters except ``A``'s and the view's own. A brush of ``A`` is then the
difference of two prefix-sum rows: O(bins) per view, whatever the row count.

Brush bounds rarely fall on fine-bin edges. To stay exact, the rows that can count anywhere are
kept grouped by fine bin ("buckets", with their codes and raw ``A`` values); the two fine bins cut
by the bounds are scanned, adding the rows inside the brush -- or, when most rows are inside,
adding the whole fine bin and subtracting the rows outside. The quantile edges bound that work
(about ``BUCKET_ROWS`` rows per cut bin, whatever the skew); a brush snapped to pixel edges only
scans the bin right above ``hi`` for rows exactly equal to it.

Value sums of integral columns (booleans, counts) are exact in float64, so they use prefix sums
and the same scan. Other float columns must not lose accuracy to rows outside the brush (a
prefix-sum difference cancels them only up to rounding): their whole fine bins are summed from a
segment tree (O(bins log fine_bins)) and cut bins always add the rows inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _index_kernels as IK
from . import _kernels as K
from ._binning import View, range_edges
from ._jit import threads_for
from ._values import Values

#: quantile edges keep fine bins below about this many rows, bounding a brush's exact scan
BUCKET_ROWS = 4096
#: at most this many fine bins (codes are uint16)
MAX_FINE_BINS = 16384


@dataclass
class Rows:
    """The per-row state the index is built from (see :mod:`._kernels`)."""

    codes: np.ndarray
    offsets: np.ndarray
    nfail: np.ndarray
    failid: np.ndarray


@dataclass
class Sums:
    """Value sums and non-missing counts per flat bin."""

    total: np.ndarray
    nn: np.ndarray


@dataclass
class _ValueTables:
    values: Values
    cum_nn: np.ndarray  #: (nfine + 1, T + 1) prefix sums of non-missing counts
    cum: np.ndarray | None  #: exact columns: prefix sums of value sums
    tree: np.ndarray | None  #: other columns: segment tree of value sums per fine bin
    bucketed: np.ndarray  #: values in bucket order


def fine_edges(view: View, fine_bins: int) -> np.ndarray:
    """Pixel edges over the view's range plus sampled quantiles, tied values isolated in a bin."""
    edges = range_edges(view, fine_bins)
    x = view.raw
    assert x is not None
    n_quantiles = min(-(-x.shape[0] // BUCKET_ROWS), MAX_FINE_BINS - fine_bins)
    if view.finite_min is None or view.finite_min == view.finite_max or n_quantiles <= 1:
        return edges
    step = max(1, x.shape[0] // max(1 << 16, 64 * n_quantiles))
    sample = x[::step]
    sample = np.sort(sample[(sample >= edges[0]) & (sample <= edges[-1]) & (sample != view.nat)])
    if sample.shape[0] == 0:
        return edges
    q = sample[np.arange(1, n_quantiles) * sample.shape[0] // n_quantiles]
    ties = np.unique(q[1:][q[1:] == q[:-1]])
    ties = ties[ties < edges[-1]]
    after = ties + 1 if ties.dtype == np.int64 else np.nextafter(ties, np.inf)
    return np.unique(np.concatenate([edges, q, after]))


def _grid(edges: np.ndarray, n_rows: int) -> np.ndarray:
    """Bin of the left end of each cell of a uniform grid over the edges (see ``bin_sorted``).

    The finer the grid, the fewer edges a cell spans on skewed data (quantile edges crowd where
    the rows are) and the shorter the bisection; up to 2**18 cells (512 KiB) for big tables.
    """
    span = float(edges[-1]) - float(edges[0])
    if not np.isfinite(span):  # edges (-inf, inf) of an all-infinite column: one cell
        return np.array([0, edges.shape[0] - 2], np.uint16)
    cells = min(1 << 18, max(16 * (edges.shape[0] - 1), n_rows // 32))
    left = float(edges[0]) + span * np.arange(cells + 1) / cells
    grid = np.clip(np.searchsorted(edges, left, "right") - 1, 0, edges.shape[0] - 2)
    return grid.astype(np.uint16)


def _count_dtype(n_rows: int) -> type[np.signedinteger[Any]]:
    """Smallest integer type for prefix counts of ``n_rows`` rows."""
    return np.int32 if n_rows < 2**31 else np.int64


def _prefix_sums(cells: np.ndarray, dtype: Any) -> np.ndarray:
    """Cumulative sums along the fine axis, with a leading row of zeros."""
    out = np.zeros((cells.shape[0] + 1, cells.shape[1]), dtype)
    np.cumsum(cells, axis=0, out=out[1:])
    return out


def _segment_tree(leaves: np.ndarray) -> np.ndarray:
    """Bottom-up segment tree: leaves at ``[P, P + n)``, node ``i`` sums ``2i`` and ``2i + 1``."""
    p = 1 << max(leaves.shape[0] - 1, 0).bit_length()
    tree = np.zeros((2 * p, leaves.shape[1]), leaves.dtype)
    tree[p : p + leaves.shape[0]] = leaves
    while p > 1:
        tree[p // 2 : p] = tree[p : 2 * p : 2] + tree[p + 1 : 2 * p : 2]
        p //= 2
    return tree


@dataclass
class RangeIndex:
    """Cumulative fine-bin tables of an active continuous or datetime view."""

    view: View
    view_id: int
    fine_edges: np.ndarray
    lower: np.ndarray  #: smallest value a fine bin can hold (the first one: the data minimum)
    upper: np.ndarray  #: bound above a fine bin's values (exclusive except for the last bin)
    cum: np.ndarray  #: (nfine + 1, T + 1) prefix sums of counts, missing fine bin last
    starts: np.ndarray  #: bucket ``f`` holds bucketed rows ``[starts[f], starts[f + 1])``
    b_codes: np.ndarray
    b_x: np.ndarray
    b_elig: np.ndarray
    offsets: np.ndarray
    values: dict[str, _ValueTables] = field(default_factory=dict)

    @classmethod
    def build(
        cls, view: View, col: int, rows: Rows, fine_bins: int, values: dict[str, Values]
    ) -> RangeIndex:
        """Index view number ``col`` from the row counters, which must exclude its filter."""
        assert view.raw is not None
        edges = fine_edges(view, fine_bins)
        nreal = max(edges.shape[0] - 1, 0)
        fine = np.zeros(view.raw.shape[0], np.uint16)
        if nreal:
            K.bin_sorted(view.raw, edges, view.nat, _grid(edges, fine.shape[0]), fine)
        nt = threads_for(view.raw.shape[0])
        starts, pos = IK.bucket_rows(fine, nreal + 1, rows.nfail, nt)
        m = int(starts[-1])
        b_codes = np.empty((m, rows.codes.shape[1]), rows.codes.dtype)
        b_x = np.empty(m, view.raw.dtype)
        b_elig = np.empty(m, rows.failid.dtype)
        IK.scatter_rows(
            fine, rows.nfail, rows.failid, pos, rows.codes, view.raw, b_codes, b_x, b_elig
        )
        table = IK.bucket_table_counts(starts, b_codes, b_elig, rows.offsets)
        cum = _prefix_sums(table, _count_dtype(view.raw.shape[0]))
        del table
        tables = {}
        for name, vals in values.items():
            b_vals = np.empty(m, vals.data.dtype)
            IK.scatter_values(fine, rows.nfail, pos, vals.data, b_vals)
            cells, nn = IK.bucket_table_values(
                starts, b_codes, b_elig, b_vals, vals.sentinel, rows.offsets
            )
            # without missing values the non-missing counts are the counts: share the table
            cum_nn = cum if vals.complete else _prefix_sums(nn, cum.dtype)
            del nn
            cum_sums = tree = None
            if vals.exact:
                cum_sums = _prefix_sums(cells, np.float64)
            else:
                tree = _segment_tree(cells)
            tables[name] = _ValueTables(vals, cum_nn, cum_sums, tree, b_vals)
        del fine
        lower = edges[:-1].copy()
        upper = edges[1:].copy()
        if nreal:
            lower[0], upper[-1] = view.data_min, view.data_max
        return cls(
            view, col, edges, lower, upper, cum, starts, b_codes, b_x, b_elig, rows.offsets, tables
        )

    @property
    def nfine(self) -> int:
        """Fine bins, the missing one included."""
        return self.cum.shape[0] - 1

    def unfiltered(self) -> np.ndarray:
        """Flat counts with no brush on the active view (its own exclude-self histogram)."""
        return (self.cum[-1] - self.cum[0]).astype(np.int64)

    def unfiltered_values(self, name: str) -> Sums:
        return self._value_span(self.values[name], 0, self.nfine, None)

    def plan(self, lo: Any, hi: Any) -> tuple[tuple[int, int] | None, list[tuple[int, bool]]]:
        """Fine bins wholly inside ``[lo, hi]`` and the cut bins to scan ``(bin, add_inside)``."""
        nreal = self.lower.shape[0]
        if nreal == 0 or not lo <= hi:
            return None, []
        a = int(np.searchsorted(self.lower, lo, "left"))
        b = int(np.searchsorted(self.upper, hi, "right"))
        full = (a, b) if a < b else None
        cuts = []
        for j in sorted({a - 1, b}):  # only these two can be cut (see lower / upper)
            if not 0 <= j < nreal or self.lower[j] > hi:
                continue
            if self.upper[j] < lo or (j < nreal - 1 and self.upper[j] <= lo):
                continue
            start, end = int(self.starts[j]), int(self.starts[j + 1])
            k = IK.count_in_range(self.b_x, start, end, lo, hi, self.view.nat)
            if k == end - start:  # the whole bucket is inside after all; adjacent to ``full``
                full = (j, j + 1) if full is None else (min(full[0], j), max(full[1], j + 1))
            elif k:
                cuts.append((j, 2 * k <= end - start))
        return full, cuts

    def counts(self, lo: Any, hi: Any) -> np.ndarray:
        """Flat exclude-self counts of every view with the active view brushed to ``[lo, hi]``."""
        full, cuts = self.plan(lo, hi)
        out = np.zeros(self.cum.shape[1], np.int64)
        if full is not None:
            out += self.cum[full[1]] - self.cum[full[0]]
        for j, add_inside in cuts:
            if not add_inside:
                out += self.cum[j + 1] - self.cum[j]
            IK.accumulate_counts(
                self.b_codes,
                self.b_x,
                self.b_elig,
                self.starts[j],
                self.starts[j + 1],
                lo,
                hi,
                self.view.nat,
                self.offsets,
                add_inside,
                1 if add_inside else -1,
                out,
            )
        return out

    def value_sums(self, name: str, lo: Any, hi: Any) -> Sums:
        """Flat value sums and non-missing counts with the active view brushed to ``[lo, hi]``."""
        t = self.values[name]
        full, cuts = self.plan(lo, hi)
        acc = self._value_span(t, 0, 0, None)
        if full is not None:
            self._value_span(t, full[0], full[1], acc)
        for j, add_inside in cuts:
            add_inside = add_inside or not t.values.exact
            if not add_inside:
                self._value_span(t, j, j + 1, acc)
            IK.accumulate_values(
                self.b_codes,
                self.b_x,
                self.b_elig,
                t.bucketed,
                t.values.sentinel,
                self.starts[j],
                self.starts[j + 1],
                lo,
                hi,
                self.view.nat,
                self.offsets,
                add_inside,
                1 if add_inside else -1,
                acc.total,
                acc.nn,
            )
        return acc

    def _value_span(self, t: _ValueTables, a: int, b: int, acc: Sums | None) -> Sums:
        """Add the value sums of fine bins ``[a, b)`` to ``acc`` (a new zero one if None)."""
        if acc is None:
            width = self.cum.shape[1]
            acc = Sums(np.zeros(width), np.zeros(width, np.int64))
        acc.nn += t.cum_nn[b] - t.cum_nn[a]
        if t.cum is not None:
            acc.total += t.cum[b] - t.cum[a]
        elif b > a:
            IK.tree_sum(t.tree, a, b, acc.total)
        return acc

    def arrays(self) -> list[np.ndarray]:
        """Every buffer the index holds (for memory accounting)."""
        out = [
            self.fine_edges,
            self.lower,
            self.upper,
            self.cum,
            self.starts,
            self.b_codes,
            self.b_x,
            self.b_elig,
        ]
        for t in self.values.values():
            out += [a for a in (t.cum, t.tree, t.bucketed) if a is not None]
            if t.cum_nn is not self.cum:
                out.append(t.cum_nn)
        return out


@dataclass
class SetIndex:
    """Per-category tables of an active nominal or boolean view (no prefix sums: any subset)."""

    view: View
    view_id: int
    table: np.ndarray  #: (categories + 1, T + 1) counts, missing category last
    values: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def build(cls, view: View, col: int, rows: Rows, values: dict[str, Values]) -> SetIndex:
        """Index view number ``col`` from the row counters, which must exclude its filter."""
        nt = threads_for(rows.codes.shape[0])
        fine = np.ascontiguousarray(rows.codes[:, col], dtype=np.uint16)
        args = (fine, view.n_bins + 1, rows.codes, rows.offsets, rows.nfail, rows.failid)
        table = K.table_counts(*args, nt).sum(axis=0)
        tables = {}
        for name, vals in values.items():
            sums, nn = K.table_values(*args, vals.data, vals.sentinel, nt)
            tables[name] = (sums.sum(axis=0), nn.sum(axis=0))
        return cls(view, col, table, tables)

    def counts(self, lut: np.ndarray | None) -> np.ndarray:
        """Flat counts with the active view's selection ``lut`` (None: unfiltered)."""
        return self.table.sum(axis=0) if lut is None else self.table[lut].sum(axis=0)

    def value_sums(self, name: str, lut: np.ndarray | None) -> Sums:
        sums, nn = self.values[name]
        if lut is not None:
            sums, nn = sums[lut], nn[lut]
        return Sums(sums.sum(axis=0), nn.sum(axis=0))

    def arrays(self) -> list[np.ndarray]:
        out = [self.table]
        for sums, nn in self.values.values():
            out += [sums, nn]
        return out
