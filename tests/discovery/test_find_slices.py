"""find_slices / SliceFinder: planted slices are recovered, the null finds nothing, edge cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zenohub.discovery as discovery
from tests.discovery.conftest import BASE, Planted, jaccard, table
from zenohub.discovery import DiscoveryError, SliceFinder, SliceResult, find_slices
from zenohub.errors import ZenohubError
from zenohub.filters import FilterGroup, compile_filter, filter_from_dict
from zenohub.store import Store


@pytest.fixture(scope="module")
def found(planted: Planted) -> SliceFinder:
    return SliceFinder(k=10).fit(planted.df, planted.errors)


def _match(results: list[SliceResult], df: pd.DataFrame, cols: set[str], mask: np.ndarray):
    for r in results:
        if {c for c, _op, _v in r.predicates} == cols and jaccard(r.mask(df), mask) >= 0.8:
            return r
    return None


def test_planted_slices_of_one_two_and_three_predicates_are_recovered(
    planted: Planted, found: SliceFinder
) -> None:
    results = found.slices_
    for cols, mask in planted.slices:
        hit = _match(results, planted.df, cols, mask)
        assert hit is not None, f"planted slice on {sorted(cols)} not in {results}"
        assert hit.q_value <= 0.05 and hit.p_value <= hit.q_value and hit.lift > 1.5
    # the strongest three are the planted ones, found first
    top = [{c for c, _o, _v in r.predicates} for r in results[:3]]
    assert sorted(map(sorted, top)) == sorted(sorted(c) for c, _m in planted.slices)
    by_cols = {frozenset(c for c, _o, _v in r.predicates): r for r in results}
    (x_pred,) = by_cols[frozenset({"x"})].predicates
    low = x_pred[2][0] if x_pred[1] == "between" else x_pred[2]
    assert x_pred[0] == "x" and x_pred[1] in ("between", ">=") and abs(low - 0.9) < 0.01
    assert ("color", "==", "blue") in by_cols[frozenset({"color", "y"})].predicates
    assert ("kind", "==", "c") in by_cols[frozenset({"kind", "age", "z"})].predicates


def test_result_numbers_are_those_of_its_rows(planted: Planted, found: SliceFinder) -> None:
    df, errors = planted.df, planted.errors
    assert found.n_tested_ > 1000 and found.n_rows_ == len(df)
    assert found.error_rate_ == pytest.approx(errors.mean())
    for r in found.slices_:
        rows = r.mask(df)
        assert rows.sum() == r.size
        assert r.error_rate == pytest.approx(errors[rows].mean())
        assert r.lift == pytest.approx(errors[rows].mean() / errors.mean())
        assert r.support == pytest.approx(r.size / len(df))
        assert r.baseline_error_rate is None
    scores = [r.score for r in found.slices_]
    assert scores == sorted(scores, reverse=True)
    text = found.slices_[0].describe()
    assert f"{found.slices_[0].size:,} rows" in text and "q = " in text


def test_results_do_not_repeat_a_region(planted: Planted, found: SliceFinder) -> None:
    masks = [r.mask(planted.df) for r in found.slices_]
    for i, a in enumerate(masks):
        for b in masks[i + 1 :]:
            assert jaccard(a, b) <= 0.3


def test_a_result_saves_as_a_slice_that_selects_the_same_rows(
    tmp_path: Path, planted: Planted, found: SliceFinder
) -> None:
    best = found.slices_[0]
    flt = best.to_filter()
    assert isinstance(flt, FilterGroup) and flt.combine == "and"
    with Store.sqlite(tmp_path / "zenohub.db") as store:
        store.create_slice("worst", filter=flt, description=best.describe())
        saved = store.get_slice("worst")
    rows = compile_filter(filter_from_dict(saved.filter), planted.df)
    assert np.array_equal(rows, best.mask(planted.df))


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_with_no_planted_slice_nothing_passes_the_fdr_threshold(seed: int) -> None:
    df = table(seed)
    errors = np.random.default_rng(seed + 100).random(len(df)) < BASE
    finder = SliceFinder().fit(df, errors)
    assert finder.slices_ == [] and finder.n_tested_ > 1000


def test_model_difference_finds_where_a_is_worse_than_b(planted: Planted) -> None:
    df = planted.df
    rng = np.random.default_rng(5)
    errors_b = rng.random(len(df)) < 0.15
    errors_a = rng.random(len(df)) < 0.15
    region = (df["color"].to_numpy() == "red") & (df["x"].to_numpy() < 0.5)
    errors_a[region] = rng.random(region.sum()) < 0.35
    results = find_slices(df, errors_a, baseline_errors=errors_b)
    assert results, "the region where A is worse was not found"
    best = results[0]
    assert {c for c, _o, _v in best.predicates} == {"color", "x"}
    assert jaccard(best.mask(df), region) >= 0.8
    rows = best.mask(df)
    assert best.error_rate == pytest.approx(errors_a[rows].mean())
    assert best.baseline_error_rate == pytest.approx(errors_b[rows].mean())
    assert best.lift == pytest.approx(errors_a[rows].mean() / errors_b[rows].mean())
    assert "for the baseline" in best.describe()
    # swapped, A is better there: nowhere is it worse
    assert find_slices(df, errors_b, baseline_errors=errors_a) == []


def test_continuous_losses_use_a_welch_test(planted: Planted) -> None:
    df = planted.df
    rng = np.random.default_rng(7)
    loss = rng.gamma(2.0, 1.0, len(df))
    region = (df["kind"].to_numpy() == "a") & (df["y"].to_numpy() > 0.7)
    loss[region] *= 1.8
    results = find_slices(df, loss, k=3)
    assert {c for c, _o, _v in results[0].predicates} == {"kind", "y"}
    assert jaccard(results[0].mask(df), region) >= 0.8
    assert results[0].error_rate == pytest.approx(loss[results[0].mask(df)].mean())
    assert find_slices(df, rng.gamma(2.0, 1.0, len(df))) == []


def test_missing_values_get_their_own_predicate() -> None:
    df = table(3, n=8000)
    rng = np.random.default_rng(3)
    missing = rng.random(len(df)) < 0.08
    df["score"] = np.where(missing, np.nan, rng.random(len(df)))
    errors = rng.random(len(df)) < np.where(missing, 0.35, 0.1)
    best = find_slices(df, errors, k=1)[0]
    assert best.predicates == (("score", "is null", None),)
    assert best.size == missing.sum()


def test_datetime_columns_bin_by_quantiles() -> None:
    n = 8000
    rng = np.random.default_rng(4)
    when = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 365 * 24, n), unit="h"
    )
    df = pd.DataFrame({"when": when, "g": rng.choice(["a", "b"], n)})
    late = (df["when"] >= pd.Timestamp("2024-10-20", tz="UTC")).to_numpy()
    errors = rng.random(n) < np.where(late, 0.3, 0.1)
    best = find_slices(df, errors, k=1)[0]
    (pred,) = best.predicates
    assert pred[0] == "when" and isinstance(pred[2], pd.Timestamp)
    assert jaccard(best.mask(df), late) >= 0.8


def test_edge_cases_return_nothing_or_skip_columns() -> None:
    df = table(2, n=3000)
    rng = np.random.default_rng(2)
    errors = rng.random(len(df)) < 0.1
    df["constant"] = 7
    df["empty"] = np.nan
    df["ids"] = [f"row-{i}" for i in range(len(df))]
    finder = SliceFinder(max_predicates=2).fit(df, errors)
    assert finder.skipped_columns_ == {
        "constant": "it holds a single value",
        "empty": "it has no values",
        "ids": "every value is unique",
    }
    assert "constant" not in finder.columns_
    # no errors at all, or every row wrong: nothing stands out
    assert find_slices(df, np.zeros(len(df), dtype=bool)) == []
    assert find_slices(df, np.ones(len(df), dtype=bool)) == []
    # tiny data: no slice can be significant
    assert find_slices(df.iloc[:5], errors[:5]) == []
    # rows whose error is missing are left out
    with_missing = np.where(rng.random(len(df)) < 0.1, np.nan, errors.astype(float))
    finder = SliceFinder().fit(df, with_missing)
    assert finder.n_rows_ == int((~np.isnan(with_missing)).sum())


def test_estimator_contract() -> None:
    finder = SliceFinder(k=3, fdr=0.1)
    assert finder.get_params()["k"] == 3 and not hasattr(finder, "slices_")
    assert "SliceFinder(" in repr(finder) and "fdr=0.1" in repr(finder)
    df = table(1, n=2000)
    errors = np.zeros(len(df))
    assert finder.fit(df, errors) is finder and finder.slices_ == []
    assert finder.set_params(k=5) is finder and finder.k == 5
    with pytest.raises(DiscoveryError, match=r"Unknown parameter 'kk'.*did you mean 'k'"):
        finder.set_params(kk=5)
    assert set(discovery.__all__) == {
        name for name in dir(discovery) if not name.startswith("_") and name[0].isupper()
    } | {
        "describe_predicates",
        "describe_selection",
        "find_slices",
        "instance_errors",
        "searchable_columns",
    }
    assert issubclass(DiscoveryError, ZenohubError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda df, e: find_slices(df, e, columns=["colour"]), r"Unknown column 'colour'.*'color'"),
        (lambda df, e: find_slices(df, e[:-1]), r"errors has 1999 values but the table has 2000"),
        (
            lambda df, e: find_slices(df, e, baseline_errors=e[:10]),
            "baseline_errors has 10 values",
        ),
        (lambda df, e: find_slices(df, ["x"] * len(df)), "errors must be booleans, 0/1"),
        (lambda df, e: find_slices(df, e, max_predicates=4), "max_predicates must be 1, 2 or 3"),
        (lambda df, e: find_slices(df, e, fdr=0), r"fdr must be a number in \(0, 1\]"),
        (lambda df, e: find_slices(df, e, min_support=-1), "min_support must be a fraction"),
        (lambda df, e: find_slices(df, e, k=0), "k must be a positive integer"),
        (lambda df, e: find_slices(df, e, n_bins=1), "n_bins must be an integer from 2"),
        (lambda df, e: find_slices(df.to_numpy(), e), "Expected a pandas DataFrame"),
        (
            lambda df, e: find_slices(pd.DataFrame({"c": [1] * len(df)}), e),
            r"No usable column.*c: it holds a single value",
        ),
    ],
)
def test_bad_input_says_what_to_fix(call, message: str) -> None:
    df = table(1, n=2000)
    errors = np.random.default_rng(0).random(len(df)) < 0.1
    with pytest.raises(DiscoveryError, match=message):
        call(df, errors)


def test_infinite_lift_and_text_are_readable() -> None:
    r = SliceResult(
        (("a", "between", (0.123456, 2.0)),), 10, 0.5, math.inf, 1e-6, 1e-4, 1.0, 0.1, 0.0
    )
    assert r.rule == "a between 0.1235 and 2"
    assert "∞x" in r.describe()
