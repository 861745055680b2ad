"""Scores, their upper bounds, one-sided tests and Benjamini-Hochberg q-values, all vectorised.

The score ranks slices by how much worse they are and how large: Klösgen's subgroup quality

    score(S) = (|S| / n) ** a * (mean_S(y) - mu) / ref

with ``a = 0.5`` by default (``a = 1`` is the weighted relative accuracy, i.e. the share of the
errors the slice has in excess of the overall rate; ``a = 0`` ranks by the difference alone).
``mu`` is the target's mean over all rows and ``ref`` a positive scale (the mean error, so that
``(mean_S - mu) / ref`` is SliceLine's ``lift - 1``). SliceLine's own score, ``alpha * (lift - 1)
- (1 - alpha) * (n / |S| - 1)``, is negative for every slice of 1 % of the rows with a lift below
6 at its usual ``alpha = 0.95``, so it cannot report the small failing slices this module is
asked to find; its pruning scheme is kept, with the bound below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats


@dataclass(frozen=True)
class Scorer:
    """Everything the score and its bound need about the target over all rows."""

    n: int
    mu: float  #: mean of the target over all rows
    ref: float  #: positive scale of the target (mean error, or mean |A - B|)
    y_max: float  #: largest single-row target (bounds a sub-slice's sum)
    a: float  #: weight of the slice's size
    min_size: float

    def score(self, size: np.ndarray, total: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (size / self.n) ** self.a * (total / size - self.mu) / self.ref
        return np.where(size > 0, out, -np.inf)

    def upper_bound(self, size: np.ndarray, positive_total: np.ndarray) -> np.ndarray:
        """The best score any sub-slice of at least ``min_size`` rows of a slice of ``size``
        rows could reach, given the sum of the positive part of its target: a sub-slice of
        ``t`` rows sums at most ``min(positive_total, t * y_max)``, and the score of that is
        largest at one of ``min_size``, ``positive_total / y_max`` or ``size`` (SliceLine's
        three-point bound)."""
        lo = np.full_like(size, self.min_size, dtype=np.float64)
        hi = np.maximum(size, lo)
        knee = positive_total / self.y_max if self.y_max > 0 else lo
        best = np.full(size.shape, -np.inf)
        for s in (lo, np.clip(knee, lo, hi), hi):
            total = np.minimum(positive_total, self.y_max * s) if self.y_max > 0 else 0 * s
            best = np.maximum(best, self.score(s, total))
        return np.where(size >= self.min_size, best, -np.inf)


def binomial_p(k: np.ndarray, n: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """One-sided P(X >= k) for X ~ Binomial(n, p0)."""
    k = np.rint(k)
    n = np.rint(n)
    p0 = np.clip(p0, 0.0, 1.0)
    out = stats.binom.sf(k - 1, n, p0)
    return np.where(k <= 0, 1.0, np.clip(out, 0.0, 1.0))


#: exact terms of the hypergeometric tail summed before the remainder is bounded
_TAIL_TERMS = 12


def fisher_p(
    k: np.ndarray, size: np.ndarray, errors: np.ndarray, n: np.ndarray, exact_below: float = 0.25
) -> np.ndarray:
    """One-sided Fisher exact test: P(X >= k) for X ~ Hypergeometric(n, errors, size), the
    chance that a slice of ``size`` rows gets ``k`` or more of ``errors`` errors spread at
    random over ``n`` rows.

    Vectorised: the first terms of the tail are summed exactly (each pmf from the previous by
    their ratio), the rest is bounded by a geometric series (the ratio decreases along the
    tail), so the result is exact or slightly above the exact value -- never below, so the
    test stays valid. Where a normal approximation is at least ``exact_below`` the
    approximation is returned (such p-values never reach a useful q-value).
    ``scipy.stats.hypergeom.sf`` sums each tail term by term and is thousands of times slower
    on the millions of slices of a search.
    """
    k, size, errors, n = np.broadcast_arrays(
        *(np.rint(np.asarray(a, dtype=np.float64)) for a in (k, size, errors, n))
    )
    # a normal approximation first: where it is far above any useful level, keep it (the
    # approximation under-states a right tail of this skewed distribution, so such a p-value
    # is larger still); sum the exact tail only where it matters
    rate = errors / np.maximum(n, 1)
    var = size * rate * (1 - rate) * (n - size) / np.maximum(n - 1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (k - 0.5 - size * rate) / np.sqrt(var)
    approx = np.where(var > 0, special.ndtr(-z), np.where(k > size * rate, 0.0, 1.0))
    need = approx < exact_below
    out = approx.copy()
    if need.any():
        out[need] = _fisher_tail(k[need], size[need], errors[need], n[need])
    return out


def _fisher_tail(k: np.ndarray, size: np.ndarray, errors: np.ndarray, n: np.ndarray) -> np.ndarray:
    lo = np.maximum(0.0, size - (n - errors))
    hi = np.minimum(size, errors)
    x = np.clip(k, lo, hi)
    log_pmf = _log_choose(errors, x) + _log_choose(n - errors, size - x) - _log_choose(n, size)
    total = np.zeros(k.shape)
    for _ in range(_TAIL_TERMS):
        inside = x <= hi
        total += np.where(inside, np.exp(log_pmf), 0.0)
        ratio = _ratio(x, size, errors, n)
        with np.errstate(divide="ignore"):
            log_pmf = log_pmf + np.log(np.where(inside & (ratio > 0), ratio, 1e-300))
        x = x + 1
    ratio = _ratio(x, size, errors, n)
    remainder = np.where(ratio < 1, np.exp(log_pmf) / (1 - np.minimum(ratio, 1 - 1e-12)), 1.0)
    total += np.where(x <= hi, remainder, 0.0)
    p = np.where(k <= lo, 1.0, np.where(k > hi, 0.0, total))
    return np.clip(p, 0.0, 1.0)


def _log_choose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return special.gammaln(a + 1) - special.gammaln(b + 1) - special.gammaln(a - b + 1)


def _ratio(x: np.ndarray, size: np.ndarray, errors: np.ndarray, n: np.ndarray) -> np.ndarray:
    """pmf(x + 1) / pmf(x) of the hypergeometric distribution."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (errors - x) * (size - x) / ((x + 1) * (n - errors - size + x + 1))
    return np.where(np.isfinite(r), np.maximum(r, 0.0), 0.0)


def welch_p(
    mean_a: np.ndarray,
    var_a: np.ndarray,
    n_a: np.ndarray,
    mean_b: np.ndarray,
    var_b: np.ndarray,
    n_b: np.ndarray,
) -> np.ndarray:
    """One-sided Welch t-test p-value of ``mean_a > mean_b``."""
    va, vb = var_a / n_a, var_b / n_b
    se2 = va + vb
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (mean_a - mean_b) / np.sqrt(se2)
        df = se2**2 / (va**2 / np.maximum(n_a - 1, 1) + vb**2 / np.maximum(n_b - 1, 1))
    p = stats.t.sf(t, np.where(np.isfinite(df) & (df > 0), df, 1.0))
    # no spread at all: the difference is certain either way
    exact = np.where(mean_a > mean_b, 0.0, 1.0)
    return np.where(se2 > 0, np.nan_to_num(p, nan=1.0), exact)


def paired_t_p(mean_d: np.ndarray, var_d: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One-sided paired t-test p-value of ``mean(d) > 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean_d / np.sqrt(var_d / n)
    p = stats.t.sf(t, np.maximum(n - 1, 1))
    return np.where(var_d > 0, np.nan_to_num(p, nan=1.0), np.where(mean_d > 0, 0.0, 1.0))


def bh_qvalues(p: np.ndarray, all_small_p: np.ndarray, n_tests: int) -> np.ndarray:
    """Benjamini-Hochberg q-values of ``p`` in a family of ``n_tests`` hypotheses.

    ``all_small_p`` holds every p-value of the family at most the largest of ``p`` (the others
    cannot change these q-values), ``p`` among them.
    """
    if p.size == 0:
        return p.astype(np.float64)
    ordered = np.sort(all_small_p)
    ranks = np.arange(1, ordered.size + 1)
    q_sorted = np.minimum.accumulate((ordered * n_tests / ranks)[::-1])[::-1]
    idx = np.searchsorted(ordered, p, side="left")
    return np.minimum(q_sorted[np.minimum(idx, ordered.size - 1)], 1.0)
