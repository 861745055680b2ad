"""The slice finder: validation, the search, significance and the final de-duplicated ranking."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import did_you_mean
from ._binning import BinnedColumn
from ._errors import DiscoveryError
from ._lattice import COUNT, EA, EB, Pool, Target, Y, p_values, rest_p, search
from ._results import SliceResult
from ._stats import Scorer, bh_qvalues
from ._validation import (
    as_errors,
    bin_columns,
    check,
    check_frame,
    check_max_categories,
    check_max_predicates,
    check_n_bins,
    is_int,
    is_number,
    resolve_columns,
)

logger = logging.getLogger(__name__)


# --- the estimator ------------------------------------------------------------------------------


class SliceFinder:
    """Find the metadata slices where a model fails, with false-discovery control.

    A vectorised lattice search in the spirit of SliceLine (Sagadeeva & Boehm, "SliceLine: Fast,
    Linear-Algebra-based Slice Finding for ML Model Debugging", SIGMOD 2021) over binned
    metadata: quantile bins (and their tails) for continuous columns, one bin per frequent
    value for nominal columns, one bin for missing values. Slices are conjunctions of up to
    ``max_predicates`` predicates on distinct columns, pruned as in SliceLine by size and by an
    upper bound of the score, ``(|S| / n) ** size_weight * (lift - 1)`` (Klösgen's subgroup
    quality; SliceLine's own score cannot rank small slices, see ``zenohub.discovery._stats``).
    Each valid slice is tested against the rest of the rows (one-sided Fisher exact test for
    0/1 errors, Welch t-test for continuous losses); the Benjamini-Hochberg procedure controls
    the false-discovery rate over every slice tested, and again over the distinct slices
    reported. A predicate must also make its slice significantly worse than the slice without
    it (Bonferroni over the slice-predicate pairs), so noise is not appended to a real slice.
    Slices are ranked by score and de-duplicated: one overlapping a better one by a Jaccard
    index above ``max_overlap``, or whose rows outside the better ones are not significantly
    worse, is dropped.

    With ``baseline_errors`` (model-difference mode) the target is ``errors - baseline_errors``
    per row and a slice is where model A is worse than model B: a paired test inside the slice
    (exact sign test on the rows where exactly one model errs, paired t-test for losses).

    Parameters
    ----------
    columns : list of str, optional
        Metadata columns to search (default: every column of the table).
    max_predicates : int, default 3
        Largest number of predicates in a slice (1, 2 or 3).
    min_support : float or int, default 0.01
        Smallest slice: a fraction of the rows (below 1) or a number of rows.
    k : int, default 10
        Number of slices to return.
    fdr : float, default 0.05
        Target false-discovery rate; only slices with a q-value at most ``fdr`` are returned.
    n_bins : int, default 10
        Quantile bins per continuous column.
    max_categories : int, default 20
        Most frequent values of a nominal column given their own predicate.
    size_weight : float, default 0.5
        Exponent ``a`` of the slice's share of rows in the score ``(|S| / n) ** a * (lift - 1)``
        (Klösgen's subgroup quality): 0 ranks by lift alone, 1 by excess errors.
    max_overlap : float, default 0.3
        A slice overlapping a better-ranked one by more than this Jaccard index is dropped.
        So is a slice whose rows outside the better-ranked slices are no longer significantly
        worse than the other rows (Bonferroni at ``fdr``): a narrower or looser variant of a region
        already reported.

    Attributes
    ----------
    slices_ : list of SliceResult
        The slices found, best first.
    n_tested_ : int
        Number of slices tested (the size of the Benjamini-Hochberg family).
    columns_ : list of str
        Columns searched.
    skipped_columns_ : dict of str to str
        Columns not searched, with the reason.
    error_rate_ : float
        Mean error over the rows searched (of model A in model-difference mode).
    n_rows_ : int
        Rows searched (rows with a missing error are left out).

    Examples
    --------
    >>> finder = SliceFinder(max_predicates=2, k=5).fit(df, errors)  # doctest: +SKIP
    >>> [s.describe() for s in finder.slices_]                        # doctest: +SKIP
    """

    def __init__(
        self,
        columns: Sequence[str] | None = None,
        max_predicates: int = 3,
        min_support: float = 0.01,
        k: int = 10,
        fdr: float = 0.05,
        n_bins: int = 10,
        max_categories: int = 20,
        size_weight: float = 0.5,
        max_overlap: float = 0.3,
    ) -> None:
        self.columns = columns
        self.max_predicates = max_predicates
        self.min_support = min_support
        self.k = k
        self.fdr = fdr
        self.n_bins = n_bins
        self.max_categories = max_categories
        self.size_weight = size_weight
        self.max_overlap = max_overlap

    _PARAMS = (
        "columns", "max_predicates", "min_support", "k", "fdr", "n_bins", "max_categories",
        "size_weight", "max_overlap",
    )  # fmt: skip

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters (scikit-learn's protocol)."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params: Any) -> SliceFinder:
        """Change hyper-parameters (scikit-learn's protocol)."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise DiscoveryError(
                    f"Unknown parameter {name!r}{did_you_mean(name, self._PARAMS)}; "
                    f"parameters: {', '.join(self._PARAMS)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"SliceFinder({args})"

    def _validate(self, n: int) -> tuple[int, float]:
        max_predicates = check_max_predicates(self.max_predicates)
        check_n_bins(self.n_bins)
        check_max_categories(self.max_categories)
        check("k", is_int(self.k) and self.k >= 1, "a positive integer", self.k)
        fdr_ok = is_number(self.fdr) and 0 < self.fdr <= 1
        check("fdr", fdr_ok, "a number in (0, 1]", self.fdr)
        weight_ok = is_number(self.size_weight) and 0 <= self.size_weight <= 1
        check("size_weight", weight_ok, "a number in [0, 1]", self.size_weight)
        overlap_ok = is_number(self.max_overlap) and 0 <= self.max_overlap <= 1
        check("max_overlap", overlap_ok, "a number in [0, 1]", self.max_overlap)
        sup = self.min_support
        sup_ok = is_number(sup) and (0 < sup < 1 or (sup >= 1 and float(sup).is_integer()))
        check("min_support", sup_ok, "a fraction in (0, 1) or a number of rows >= 1", sup)
        min_size = max(1.0, math.ceil(sup * n)) if sup < 1 else float(sup)
        return max_predicates, min_size

    def fit(self, df: pd.DataFrame, errors: Any, baseline_errors: Any = None) -> SliceFinder:
        """Search ``df``'s metadata for slices where ``errors`` are high.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per instance, the metadata columns to describe slices with.
        errors : array-like
            Per row: booleans or 0/1 (wrong or not), or a continuous loss (larger is worse).
            Rows with a missing error are left out.
        baseline_errors : array-like, optional
            The same for a second model: find where the first is worse than this one.

        Returns
        -------
        self
        """
        started = time.perf_counter()
        df = check_frame(df)
        n_all = len(df)
        names = resolve_columns(df, self.columns)
        err = as_errors(errors, n_all, "errors")
        base = (
            None
            if baseline_errors is None
            else as_errors(baseline_errors, n_all, "baseline_errors")
        )
        known = ~np.isnan(err) if base is None else ~(np.isnan(err) | np.isnan(base))
        if not known.all():
            df, err = df.iloc[np.flatnonzero(known)], err[known]
            base = None if base is None else base[known]
        n = len(df)
        max_predicates, min_size = self._validate(n)
        columns, skipped = bin_columns(df, names, self.n_bins, self.max_categories)
        self.columns_ = [c.name for c in columns]
        self.skipped_columns_ = skipped
        self.n_rows_ = n
        self.error_rate_ = float(err.mean()) if n else math.nan
        self.n_tested_ = 0
        self.slices_: list[SliceResult] = []
        target = _target(err, base, float(self.size_weight), min_size)
        if target is None:
            logger.info("Nothing to find: the errors are the same on every row.")
            return self
        pool = search(columns, target, max_predicates, int(self.k), float(self.fdr))
        self.n_tested_ = pool.n_tests
        self.slices_ = self._rank(pool, columns, target)
        logger.info(
            "Tested %d slices of %d rows x %d columns in %.2f s; %d found.",
            pool.n_tests, n, len(columns), time.perf_counter() - started, len(self.slices_),
        )  # fmt: skip
        return self

    def _rank(self, pool: Pool, columns: list[BinnedColumn], target: Target) -> list[SliceResult]:
        arrays = pool.arrays()
        q = bh_qvalues(arrays["p"], arrays["small_p"], pool.n_tests)
        passing = np.flatnonzero(q <= self.fdr)
        order = passing[np.argsort(-arrays["score"][passing], kind="stable")]
        n = target.scorer.n
        covered = np.zeros(n, dtype=bool)
        kept: list[tuple[np.ndarray, int]] = []
        chosen: list[tuple[int, list[tuple[BinnedColumn, int]]]] = []
        examined = order[: max(100, 20 * int(self.k))]
        # the fresh-rows test is made on the best of many candidates: Bonferroni over them
        level = self.fdr / max(1, examined.size)
        for idx in examined:
            cols, items = arrays["cols"][idx], arrays["items"][idx]
            used = [(columns[c], int(i)) for c, i in zip(cols, items, strict=True) if c >= 0]
            rows = np.ones(n, dtype=bool)
            for col, item in used:
                rows &= col.item_rows(item)
            size = int(arrays["stats"][idx, COUNT])
            if any(
                _jaccard(rows, size, other, n_other) > self.max_overlap for other, n_other in kept
            ):
                continue
            if kept and not _beyond(rows, covered, target, level):
                continue
            kept.append((rows, size))
            covered |= rows
            chosen.append((idx, used))
            if len(chosen) >= self.k:
                break
        # BH again over the distinct slices alone: thousands of variants of one strong slice
        # must not lower the bar for the others (each reported p <= fdr * reported / tested)
        p = arrays["p"][[idx for idx, _ in chosen]]
        q_distinct = bh_qvalues(p, p, pool.n_tests)
        return [
            _result(arrays["stats"][idx], used, arrays, idx, max(q[idx], qd), target)
            for (idx, used), qd in zip(chosen, q_distinct, strict=True)
            if qd <= self.fdr
        ]


def _beyond(rows: np.ndarray, covered: np.ndarray, target: Target, level: float) -> bool:
    """Whether the slice's rows outside the slices already reported are still significantly
    worse (than the other uncovered rows; model A than B in model-difference mode) at ``level``."""
    fresh = rows & ~covered
    if not fresh.any():
        return False
    stats = _stats_of(fresh, target)
    if target.difference:
        p = p_values(target, stats, target.totals)
    else:
        p = rest_p(target, stats, _stats_of(~covered, target))
    return bool(p <= level)


def _stats_of(rows: np.ndarray, target: Target) -> np.ndarray:
    return np.array([float(rows.sum()), *(float(w[rows].sum()) for w in target.weights)])


def _jaccard(a: np.ndarray, size_a: int, b: np.ndarray, size_b: int) -> float:
    inter = int(np.count_nonzero(a & b))
    union = size_a + size_b - inter
    return inter / union if union else 1.0


def _result(
    stats: np.ndarray,
    used: list[tuple[BinnedColumn, int]],
    arrays: dict[str, np.ndarray],
    idx: int,
    q: float,
    target: Target,
) -> SliceResult:
    n, overall = target.scorer.n, target.scorer.mu
    size = float(stats[COUNT])
    predicates = tuple((p.column, p.op, p.value) for p in (col.items[item] for col, item in used))
    if target.difference:
        rate, base = stats[EA] / size, stats[EB] / size
        lift = rate / base if base > 0 else math.inf
        baseline: float | None = float(base)
    else:
        rate = stats[Y] / size
        lift = rate / overall if overall > 0 else math.inf
        baseline = None
    return SliceResult(
        predicates=predicates,
        size=int(size),
        error_rate=float(rate),
        lift=float(lift),
        p_value=float(arrays["p"][idx]),
        q_value=float(q),
        score=float(arrays["score"][idx]),
        support=size / n,
        baseline_error_rate=baseline,
    )


def _binary(values: np.ndarray) -> bool:
    return bool(np.all((values == 0) | (values == 1)))


def _target(
    err: np.ndarray, base: np.ndarray | None, size_weight: float, min_size: float
) -> Target | None:
    """The weights to accumulate and the scorer; None when there is nothing to find."""
    n = err.size
    if n < 2:
        return None
    if base is None:
        y = err
        binary = _binary(err)
        mu = float(y.mean())
        ref = mu if mu > 0 else float(np.abs(y).mean())
        extra: tuple[np.ndarray, ...] = ()
    else:
        y = err - base
        binary = _binary(err) and _binary(base)
        mu = float(y.mean())
        ref = float(np.abs(y).mean())
        extra = (err, base)
    if ref <= 0 or float(y.max()) <= 0 or np.ptp(y) == 0:
        return None
    y2 = y if binary and base is None else y * y
    ypos = y if float(y.min()) >= 0 else np.maximum(y, 0)
    scorer = Scorer(n=n, mu=mu, ref=ref, y_max=float(y.max()), a=size_weight, min_size=min_size)
    return Target((y, y2, ypos, *extra), scorer, difference=base is not None, binary=binary)


def find_slices(
    df: pd.DataFrame,
    errors: Any,
    columns: Sequence[str] | None = None,
    max_predicates: int = 3,
    min_support: float = 0.01,
    k: int = 10,
    fdr: float = 0.05,
    *,
    baseline_errors: Any = None,
    **params: Any,
) -> list[SliceResult]:
    """The slices of ``df`` where ``errors`` are significantly high, best first.

    Shorthand for ``SliceFinder(columns, max_predicates, min_support, k, fdr, **params).fit(df,
    errors, baseline_errors).slices_``; see :class:`SliceFinder` (SliceLine-style lattice
    search, Sagadeeva & Boehm, SIGMOD 2021, with Benjamini-Hochberg control).

    Parameters
    ----------
    df : pandas.DataFrame
        Metadata, one row per instance.
    errors : array-like
        Per row: booleans / 0-1 (wrong or not) or a continuous loss.
    columns, max_predicates, min_support, k, fdr
        As in :class:`SliceFinder`.
    baseline_errors : array-like, optional
        Errors of a second model: find where the first model is worse than this one.
    **params
        Other :class:`SliceFinder` parameters (``n_bins``, ``max_categories``, ``size_weight``,
        ``max_overlap``).

    Returns
    -------
    list of SliceResult
    """
    finder = SliceFinder(columns, max_predicates, min_support, k, fdr)
    finder.set_params(**params)
    return finder.fit(df, errors, baseline_errors=baseline_errors).slices_
