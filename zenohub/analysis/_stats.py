"""The statistics behind trend alerts and confident thresholds, on plain numpy arrays.

* :func:`slope_test` -- least-squares slope of a metric over the model history and the one-sided
  t-test of "the slope is zero" (``k - 2`` degrees of freedom).
* :func:`instance_sign_test` -- an exact sign test on each instance's own slope over the models,
  which asks whether the slice is large enough for the trend not to be sampling noise.
* :func:`monotone_excess` -- how far a series strays from its best monotone fit, against the
  sampling variance of each point (a chi-square test): a model history that jumps up and down.
* :func:`wilson_interval`, :func:`bootstrap_interval` -- confidence intervals of a slice's metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class SlopeTest:
    """A least-squares slope per model step with its one-sided p-values."""

    slope: float
    stderr: float
    df: int
    p_decrease: float  #: P(slope this low or lower | no trend)
    p_increase: float  #: P(slope this high or higher | no trend)


def slope_test(values: np.ndarray) -> SlopeTest | None:
    """Slope of ``values`` (one per model, in order, x = 0, 1, ...) and its t-test.

    NaN values are left out; None when fewer than three points remain (no degrees of freedom).
    A perfect line (zero residuals) has p = 0 in its direction, 1 against it, 0.5 when flat.
    """
    y = np.asarray(values, dtype=np.float64)
    x = np.arange(len(y), dtype=np.float64)
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    k = len(y)
    if k < 3:
        return None
    sxx = float(((x - x.mean()) ** 2).sum())
    slope = float(((x - x.mean()) * (y - y.mean())).sum() / sxx)
    residuals = y - (y.mean() + slope * (x - x.mean()))
    df = k - 2
    sse = float((residuals**2).sum())
    stderr = math.sqrt(sse / df / sxx)
    scale = max(1.0, float(np.abs(y).max()))
    if stderr <= 1e-12 * scale:  # an exact line: the trend is certain, or there is none
        if abs(slope) <= 1e-12 * scale:
            return SlopeTest(0.0, 0.0, df, 0.5, 0.5)
        down = slope < 0
        return SlopeTest(slope, 0.0, df, 0.0 if down else 1.0, 1.0 if down else 0.0)
    t = slope / stderr
    return SlopeTest(slope, stderr, df, float(stats.t.cdf(t, df)), float(stats.t.sf(t, df)))


@dataclass(frozen=True)
class SignTest:
    """How many instances' own slopes over the models point each way, and the exact p-value."""

    worse: int
    better: int
    p: float  #: P(this many or more of the changing instances get worse | no trend)


def instance_sign_test(columns: np.ndarray, higher_is_better: bool = True) -> SignTest:
    """Exact sign test on per-instance least-squares slopes over the models.

    ``columns`` is (n instances, k models): the per-instance values whose mean is the metric
    (e.g. 0/1 correct); rows with a NaN are left out. The slice's slope is the mean of these
    per-instance slopes, so when most changing instances get worse the trend is not carried by
    a few of them. Exact for any slice size: three instances that all get worse give p = 1/8.
    """
    values = np.asarray(columns, dtype=np.float64)
    values = values[np.isfinite(values).all(axis=1)]
    k = values.shape[1]
    xc = np.arange(k, dtype=np.float64) - (k - 1) / 2
    slopes = values @ xc / float((xc**2).sum())
    tol = 1e-12 * max(1.0, float(np.abs(values).max(initial=0.0)))
    down, up = int((slopes < -tol).sum()), int((slopes > tol).sum())
    worse, better = (down, up) if higher_is_better else (up, down)
    if worse + better == 0:
        return SignTest(0, 0, 1.0)
    return SignTest(worse, better, float(stats.binom.sf(worse - 1, worse + better, 0.5)))


def isotonic_fit(values: np.ndarray, weights: np.ndarray, increasing: bool) -> np.ndarray:
    """Weighted least-squares monotone fit (pool adjacent violators)."""
    y = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if not increasing:
        return -isotonic_fit(-y, w, True)
    blocks: list[list[float]] = []  # [mean, weight, size]
    for yi, wi in zip(y, w, strict=True):
        blocks.append([yi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    return np.concatenate([np.full(int(n), m) for m, _, n in blocks])


@dataclass(frozen=True)
class MonotoneExcess:
    """Residuals from the best monotone fit, against sampling noise."""

    chi2: float  #: sum of squared residuals over sampling variances
    df: int  #: points minus fitted levels
    p: float  #: P(chi2 this large | the series is monotone plus sampling noise)
    residual_sd: float  #: root-mean-square residual, in metric units
    noise_sd: float  #: root-mean sampling standard deviation of one point


def monotone_excess(values: np.ndarray, variances: np.ndarray) -> MonotoneExcess | None:
    """Test whether ``values`` move non-monotonically by more than their sampling noise.

    Fits the best increasing and the best decreasing sequence (weighted by 1 / variance) and
    keeps the closer one; under "monotone trend plus sampling noise" the weighted sum of squared
    residuals is approximately chi-square with (points - fitted levels) degrees of freedom.
    None without three finite points with positive variance.
    """
    y = np.asarray(values, dtype=np.float64)
    var = np.asarray(variances, dtype=np.float64)
    keep = np.isfinite(y) & np.isfinite(var) & (var > 0)
    y, var = y[keep], var[keep]
    if len(y) < 3:
        return None
    w = 1.0 / var
    best: tuple[float, np.ndarray] | None = None
    for increasing in (True, False):
        fit = isotonic_fit(y, w, increasing)
        chi2 = float((w * (y - fit) ** 2).sum())
        if best is None or chi2 < best[0]:
            best = (chi2, fit)
    assert best is not None
    chi2, fit = best
    levels = len(np.unique(np.round(fit, 12)))
    df = max(1, len(y) - levels)
    residual_sd = float(np.sqrt(((y - fit) ** 2).mean()))
    return MonotoneExcess(
        chi2, df, float(stats.chi2.sf(chi2, df)), residual_sd, float(np.sqrt(var.mean()))
    )


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (NaN, NaN) for n = 0."""
    if n <= 0:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_interval(statistics: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap ``statistics`` (NaN ones left out)."""
    s = np.asarray(statistics, dtype=np.float64)
    s = s[np.isfinite(s)]
    if len(s) == 0:
        return (math.nan, math.nan)
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(s, [tail, 100 - tail])
    return (float(lo), float(hi))


def bootstrap_means(values: np.ndarray, resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """Means of ``resamples`` bootstrap resamples of ``values`` (NaN left out)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return np.full(resamples, np.nan)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(v), np.full(len(v), 1.0 / len(v)), size=resamples)
    means: np.ndarray = weights @ v / len(v)
    return means
