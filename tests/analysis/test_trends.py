"""The slice x model table on the digits model history, and the statistics behind its alerts."""

from __future__ import annotations

import numpy as np
import pytest

from tests.analysis.conftest import MODELS, accuracy_by_label, correct
from zenohub import Project
from zenohub.analysis import ALL, slice_trends
from zenohub.analysis._stats import (
    instance_sign_test,
    isotonic_fit,
    monotone_excess,
    slope_test,
    wilson_interval,
)


def test_table_values_match_an_independent_computation(digits: Project) -> None:
    table = slice_trends(digits, "accuracy", slices=["ones", "fours", "dark digits"])
    frame = table.frame().set_index("slice")
    expected = accuracy_by_label(digits)
    assert list(frame.index) == [ALL, "ones", "fours", "dark digits"]
    assert table.models == tuple(MODELS)  # the config's order
    np.testing.assert_allclose(frame.loc["ones", MODELS].astype(float), expected.loc[1])
    np.testing.assert_allclose(frame.loc["fours", MODELS].astype(float), expected.loc[4])
    dark = (digits.table["distill:brightness"] < 0.275).to_numpy()
    assert frame.loc["dark digits", "size"] == dark.sum()
    np.testing.assert_allclose(
        frame.loc["dark digits", MODELS].astype(float),
        [correct(digits, m)[dark].mean() for m in MODELS],
    )
    np.testing.assert_allclose(
        frame.loc[ALL, MODELS].astype(float), [correct(digits, m).mean() for m in MODELS]
    )
    assert frame.loc["ones", "folder"] == "release"


def test_a_regressing_slice_is_flagged_and_a_flat_one_is_not(digits: Project) -> None:
    rotated = slice_trends(digits, "accuracy", "rotate", slices=["ones", "fours"])
    expected = accuracy_by_label(digits, "rotate")
    ones = rotated.row("ones")
    # the planted-by-nature regression: rotated ones get worse with every version
    np.testing.assert_allclose(ones.values, expected.loc[1])
    assert np.all(np.diff(ones.values) < 0)
    assert ones.regression and not ones.high_variance
    (alert,) = ones.alerts
    assert alert.p_value < 0.05
    assert "Regression: accuracy falls by" in alert.message and "t-test p = 0.0" in alert.message
    assert "instances whose result changes get worse (sign test p = " in alert.message
    original = slice_trends(digits, "accuracy", slices=["fours"]).row("fours")
    assert len(set(original.values)) == 1  # 0.967 for every model
    assert original.alerts == ()
    assert original.slope is not None and original.slope.slope == 0
    # the overall accuracy improves and levels off: neither a regression nor "jumping around"
    overall = slice_trends(digits, "accuracy", slices=[]).row(ALL)
    assert np.all(np.diff(overall.values) > 0) and overall.alerts == ()


def test_lower_is_better_metrics_flag_rising_values(digits: Project) -> None:
    table = slice_trends(digits, "error_rate", "rotate", slices=["ones"], include_all=False)
    (row,) = table.rows
    assert not table.higher_is_better
    assert row.regression
    assert "error_rate rises by" in row.alerts[0].message
    assert "lower is better" in row.alerts[0].message


def test_jumping_slices_get_a_high_variance_flag(digits: Project) -> None:
    digits.store.create_slice("sixes (test)", filter={"column": "label", "op": "==", "value": 6})
    try:
        row = slice_trends(digits, "accuracy", "rotate", slices=["sixes (test)"]).row(
            "sixes (test)"
        )
    finally:
        digits.store.delete_slice("sixes (test)")
    # 0.95, 0.87, 0.35, 0.72: down and back up, far beyond the noise of 60 instances
    np.testing.assert_allclose(row.values, accuracy_by_label(digits, "rotate").loc[6])
    assert row.high_variance
    alert = next(a for a in row.alerts if a.kind == "high variance")
    assert (
        "best monotone fit" in alert.message and "sampling noise of 60 instances" in alert.message
    )


def test_folder_filter_and_unknown_slice(digits: Project) -> None:
    table = slice_trends(digits, "accuracy", folder="release", include_all=False)
    assert [r.slice for r in table.rows] == ["dark digits", "ones", "fours"]
    with pytest.raises(Exception, match="No slice named 'onse'"):
        slice_trends(digits, "accuracy", slices=["onse"])


def test_a_tiny_slice_that_lines_up_is_not_a_regression(digits: Project) -> None:
    # three instances that mlp-v1 gets right and mlp-v4 wrong line up into a clear slope over
    # the models; the sign test over its instances sees that three are too few (p = 1/8)
    c = np.column_stack([correct(digits, m) for m in MODELS])
    pattern = np.flatnonzero(c[:, 0] & ~c[:, 3])[:3]
    ids = digits.table[digits.id_column].iloc[pattern].tolist()
    digits.store.create_slice("tiny (test)", ids=ids)
    try:
        row = slice_trends(digits, "accuracy", slices=["tiny (test)"]).row("tiny (test)")
    finally:
        digits.store.delete_slice("tiny (test)")
    assert row.size == len(ids) and row.values[0] > row.values[-1]
    assert row.slope is not None and row.slope.p_decrease < 0.05
    assert not row.regression


# -- the statistics on their own -------------------------------------------------------------


def test_slope_test_on_known_series() -> None:
    line = slope_test(np.array([1.0, 0.9, 0.8, 0.7]))
    assert line is not None and line.slope == pytest.approx(-0.1) and line.p_decrease == 0
    flat = slope_test(np.array([0.5, 0.5, 0.5]))
    assert flat is not None and flat.p_decrease == flat.p_increase == 0.5
    noisy = slope_test(np.array([0.8, 0.9, 0.7, 0.85, 0.75]))
    assert noisy is not None and noisy.p_decrease > 0.05  # no clear trend
    assert slope_test(np.array([0.5, np.nan, 0.4])) is None  # two points: no test
    # scipy's linregress agrees on slope and (two-sided) p-value
    from scipy.stats import linregress

    y = np.array([0.82, 0.77, 0.69, 0.49])
    ours, theirs = slope_test(y), linregress(np.arange(4), y)
    assert ours is not None
    assert ours.slope == pytest.approx(theirs.slope)
    assert 2 * ours.p_decrease == pytest.approx(theirs.pvalue)


def test_monotone_fit_and_excess() -> None:
    np.testing.assert_allclose(
        isotonic_fit(np.array([1.0, 3.0, 2.0, 4.0]), np.ones(4), True), [1, 2.5, 2.5, 4]
    )
    rising = monotone_excess(np.array([0.6, 0.8, 0.85, 0.86]), np.full(4, 1e-4))
    assert rising is not None and rising.chi2 == 0 and rising.p == 1
    zigzag = monotone_excess(np.array([0.6, 0.9, 0.6, 0.9]), np.full(4, 1e-4))
    assert zigzag is not None and zigzag.p < 1e-6
    small_noise = monotone_excess(np.array([0.6, 0.62, 0.6, 0.62]), np.full(4, 0.01))
    assert small_noise is not None and small_noise.p > 0.5


def test_wilson_interval_matches_the_formula() -> None:
    # Newcombe (1998), Statistics in Medicine 17, table I: 81 of 263 -> 0.2553 to 0.3662
    lo, hi = wilson_interval(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert wilson_interval(0, 10)[0] == 0 and wilson_interval(10, 10)[1] == pytest.approx(1)
    assert np.isnan(wilson_interval(0, 0)[0])


def test_instance_sign_test() -> None:
    worse_three = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 0]], dtype=float)
    result = instance_sign_test(worse_three)
    assert (result.worse, result.better, result.p) == (3, 0, 0.125)
    assert instance_sign_test(worse_three, higher_is_better=False).p == 1.0
    unchanged = np.ones((5, 4))
    assert instance_sign_test(unchanged).p == 1.0
