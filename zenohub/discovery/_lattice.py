"""The level-wise lattice search over binned columns, in the spirit of SliceLine.

A slice is a conjunction of items on distinct columns. For each group of 1, 2 or 3 columns, one
pass over the rows accumulates a joint histogram of their bin codes (row count and the sums of
each target weight per cell, ``np.bincount`` on a combined code); a tensor contraction with the
columns' item-cover matrices then gives the size and sums of *every* conjunction of their items
at once. Memory is O(rows x columns) for the codes plus O(cells) per group -- no row x slice
matrix is ever built (that matrix is what makes SliceLine run out of memory on a million rows).

Pruning as in SliceLine: a candidate is *valid* when it has at least ``min_size`` rows and is not
the same set of rows as one of its parents; it is *expanded* to the next level only if its
score upper bound can beat the current top scores. A conjunction is evaluated only if all of
its parents were expanded, and a column group is skipped entirely when none of its conjunctions
can be.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from ._binning import BinnedColumn
from ._stats import Scorer, binomial_p, fisher_p, paired_t_p, welch_p

# stats columns: 0 = row count, then the sums of the target weights
COUNT, Y, Y2, YPOS, EA, EB = range(6)


@dataclass(frozen=True, eq=False)
class Target:
    """What is searched for: the weights summed per cell and how a slice is tested."""

    weights: tuple[np.ndarray, ...]  #: y, y^2, max(y, 0)[, errors of A, errors of B]
    scorer: Scorer
    difference: bool  #: model-difference mode (y = errors of A - errors of B)
    binary: bool  #: errors are 0/1 (binomial / sign test) rather than continuous (t-tests)

    @property
    def totals(self) -> np.ndarray:
        return np.array([self.scorer.n, *(float(w.sum()) for w in self.weights)])


@dataclass
class Pool:
    """Candidates kept for the final ranking, and every small p-value (for BH ranks)."""

    fdr: float
    keep: int
    cols: list[np.ndarray] = field(default_factory=list)
    items: list[np.ndarray] = field(default_factory=list)
    stats: list[np.ndarray] = field(default_factory=list)
    p: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)
    small_p: list[np.ndarray] = field(default_factory=list)
    n_tests: int = 0
    size: int = 0

    def add(
        self,
        cols: tuple[int, ...],
        items: np.ndarray,
        stats: np.ndarray,
        p: np.ndarray,
        score: np.ndarray,
        good: np.ndarray,
    ) -> None:
        """Count the p-values at most ``fdr`` and keep the ``good`` candidates."""
        self.small_p.append(p[p <= self.fdr])
        if not good.any():
            return
        n = int(good.sum())
        padded = np.full((n, 3), -1, dtype=np.int32)
        padded[:, : len(cols)] = cols
        item_rows = np.full((n, 3), -1, dtype=np.int32)
        item_rows[:, : items.shape[1]] = items[good]
        self.cols.append(padded)
        self.items.append(item_rows)
        self.stats.append(stats[good])
        self.p.append(p[good])
        self.score.append(score[good])
        self.size += n
        if self.size > 2 * self.keep:
            self._trim()

    def _trim(self) -> None:
        arrays = self.arrays()
        top = np.argsort(-arrays["score"], kind="stable")[: self.keep]
        for name in ("cols", "items", "stats", "p", "score"):
            setattr(self, name, [arrays[name][top]])
        self.size = len(top)

    def arrays(self) -> dict[str, np.ndarray]:
        def cat(parts: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(shape)

        return {
            "cols": cat(self.cols, (0, 3)).astype(np.int32),
            "items": cat(self.items, (0, 3)).astype(np.int32),
            "stats": cat(self.stats, (0, 6)),
            "p": cat(self.p, (0,)),
            "score": cat(self.score, (0,)),
            "small_p": cat(self.small_p, (0,)),
        }

    def threshold(self, k: int) -> float:
        """The k-th best score kept so far (0 while fewer): what a new candidate must beat."""
        if self.size < k:
            return 0.0
        scores = np.concatenate(self.score)
        return max(0.0, float(np.partition(scores, scores.size - k)[scores.size - k]))


#: a predicate must make its slice worse than the slice without it at this level (one-sided,
#: Bonferroni-corrected over the (slice, added item) pairs, about items squared): slices that
#: only add noise to a better, simpler one are not reported
PRODUCTIVE_P = 0.05


def rest_p(target: Target, stats: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """One-sided p-value of "the slice's target mean is above that of the rest of ``ref``"
    (``ref`` is all rows, or a parent slice): Fisher's exact test for 0/1 errors, Welch's t-test
    otherwise (including the signed differences of model-difference mode)."""
    ref = np.broadcast_to(ref, stats.shape)
    size, sy = stats[..., COUNT], stats[..., Y]
    rest_n = ref[..., COUNT] - size
    rest_y = ref[..., Y] - sy
    p = np.ones(size.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        worse = (rest_n > 0) & (sy * rest_n > rest_y * size)
    if not worse.any():
        return p
    if target.binary and not target.difference:
        p[worse] = fisher_p(sy[worse], size[worse], ref[..., Y][worse], ref[..., COUNT][worse])
        return p
    s, rn = size[worse], rest_n[worse]
    y2 = stats[..., Y2][worse]
    ry2 = ref[..., Y2][worse] - y2
    m, rm = sy[worse] / s, rest_y[worse] / rn
    var = np.maximum(y2 - s * m * m, 0) / np.maximum(s - 1, 1)
    rvar = np.maximum(ry2 - rn * rm * rm, 0) / np.maximum(rn - 1, 1)
    p[worse] = welch_p(m, var, s, rm, rvar, rn)
    return p


def p_values(target: Target, stats: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """One-sided p-value per candidate: the slice is worse than the rest (errors), or model A is
    worse than model B inside it (model-difference mode, a paired test)."""
    if not target.difference:
        return rest_p(target, stats, totals)
    size, d, d2 = stats[..., COUNT], stats[..., Y], stats[..., Y2]
    p = np.ones(size.shape)
    worse = d > 0
    if not worse.any():
        return p
    s, d, d2 = size[worse], d[worse], d2[worse]
    if target.binary:
        # exact sign test on the discordant rows: A wrong & B right against A right & B wrong
        b, c = (d2 + d) / 2, (d2 - d) / 2
        p[worse] = binomial_p(b, b + c, np.full(b.shape, 0.5))
    else:
        m = d / s
        var = np.maximum(d2 - s * m * m, 0) / np.maximum(s - 1, 1)
        p[worse] = paired_t_p(m, var, s)
    return p


def _histogram(columns: list[BinnedColumn], group: tuple[int, ...], target: Target) -> np.ndarray:
    """Joint histogram of the group's bins: shape (bins..., 1 + n_weights)."""
    shape = tuple(columns[c].n_bins for c in group)
    code = columns[group[0]].codes.astype(np.int64)
    for c in group[1:]:
        code *= columns[c].n_bins
        code += columns[c].codes
    cells = int(np.prod(shape))
    out = np.empty((cells, 1 + len(target.weights)))
    out[:, COUNT] = np.bincount(code, minlength=cells)
    done: dict[int, np.ndarray] = {}
    for j, w in enumerate(target.weights, start=1):
        if id(w) not in done:  # 0/1 errors: y, y^2 and max(y, 0) are one array
            done[id(w)] = np.bincount(code, weights=w, minlength=cells)
        out[:, j] = done[id(w)]
    return out.reshape((*shape, out.shape[1]))


def _contract(covers: list[np.ndarray], hist: np.ndarray) -> np.ndarray:
    """Sizes and sums of every conjunction of the columns' items: the joint histogram
    (bins..., weights) contracted with each cover matrix (items x bins) along its axis, one
    matrix product per column."""
    out = hist
    for axis, cover in enumerate(covers):
        moved = np.moveaxis(out, axis, -1)  # (..., bins) @ (bins, items)
        out = np.moveaxis(moved @ cover.T, -1, axis)
    return np.ascontiguousarray(out)


def search(
    columns: list[BinnedColumn],
    target: Target,
    max_predicates: int,
    k: int,
    fdr: float,
    pool_size: int = 20_000,
) -> Pool:
    """Evaluate, test and pool every valid conjunction of up to ``max_predicates`` items."""
    scorer = target.scorer
    totals = target.totals
    pool = Pool(fdr=fdr, keep=pool_size)
    # the bar a candidate's bound must clear is set by the top ``guard`` scores, not the top k,
    # so that near-duplicates of the best slices cannot crowd out distinct ones before the
    # Jaccard de-duplication
    guard = max(10 * k, 50)
    expand: dict[tuple[int, ...], np.ndarray] = {}
    sizes: dict[tuple[int, ...], np.ndarray] = {}
    bounds: dict[tuple[int, ...], np.ndarray] = {}
    kept: dict[tuple[int, ...], np.ndarray] = {}  # stats of the groups a next level refines
    productive = PRODUCTIVE_P / max(1, sum(len(c.items) for c in columns)) ** 2
    for level in range(1, max_predicates + 1):
        groups = list(itertools.combinations(range(len(columns)), level))
        for group in groups:
            allowed = _allowed(group, expand, columns)
            if allowed is None or not allowed.any():
                continue
            hist = _histogram(columns, group, target)
            covers = [columns[c].cover for c in group]
            stats = _contract(covers, hist)
            size = stats[..., COUNT]
            valid = allowed & (size >= scorer.min_size) & (size < scorer.n)
            for parent, axis in _parents(group):
                valid &= size != np.expand_dims(sizes[parent], axis)
            sizes[group] = size
            flat = np.flatnonzero(valid)
            pool.n_tests += flat.size
            rows = stats.reshape(-1, stats.shape[-1])[flat]
            score = scorer.score(rows[:, COUNT], rows[:, Y])
            p = p_values(target, rows, totals)
            index = np.unravel_index(flat, size.shape)
            good = (p <= fdr) & (score > 0)
            for parent, axis in _parents(group):
                if not good.any():
                    break
                at = tuple(ix[good] for j, ix in enumerate(index) if j != axis)
                ok = rest_p(target, rows[good], kept[parent][at]) <= productive
                good[np.flatnonzero(good)[~ok]] = False
            if level < max_predicates:
                kept[group] = stats
            pool.add(group, np.stack(index, axis=1), rows, p, score, good)
            if level < max_predicates:
                bound = np.full(size.shape, -np.inf)
                bound.reshape(-1)[flat] = scorer.upper_bound(rows[:, COUNT], rows[:, YPOS])
                bounds[group] = bound
        # expand what may still beat the bar set by the whole level (the bar only rises)
        bar = pool.threshold(guard)
        for group, bound in bounds.items():
            expand[group] = bound > bar
        bounds.clear()
    return pool


def _parents(group: tuple[int, ...]) -> list[tuple[tuple[int, ...], int]]:
    """Each sub-group one column shorter, with the axis to broadcast its sizes along."""
    if len(group) == 1:
        return []
    return [(group[:i] + group[i + 1 :], i) for i in range(len(group))]


def _allowed(
    group: tuple[int, ...],
    expand: dict[tuple[int, ...], np.ndarray],
    columns: list[BinnedColumn],
) -> np.ndarray | None:
    """Conjunctions of the group whose every parent was expanded (all of level 1)."""
    if len(group) == 1:
        return np.ones(len(columns[group[0]].items), dtype=bool)
    out: np.ndarray | None = None
    for parent, axis in _parents(group):
        if parent not in expand:
            return None
        part = np.expand_dims(expand[parent], axis)
        out = part if out is None else out & part
    return out
