"""Property tests: every count and per-bin mean equals a pandas ground truth after any sequence of
brushes, selections, activations and clears on random small mixed tables."""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zenohub.columns import ColumnType
from zenohub.crossfilter import CrossFilter, _index

C, N, B, D = ColumnType.CONTINUOUS, ColumnType.NOMINAL, ColumnType.BOOLEAN, ColumnType.DATETIME
TYPES = {"x": C, "y": C, "k": N, "m": N, "b": B, "t": D}
VALUES = ["correct", "score"]
BASE = pd.Timestamp("2024-03-01")
POOL = [-2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.25, 10.0]


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    lists = lambda elem: draw(st.lists(elem, min_size=n, max_size=n))  # noqa: E731
    x = lists(st.one_of(st.sampled_from([*POOL, np.nan]), st.floats(-10, 10, width=32)))
    y = lists(st.one_of(st.integers(0, 4).map(float), st.just(np.nan)))
    k = lists(st.sampled_from(["a", "b", "c", None]))
    m = lists(st.sampled_from([0, 1, 7, None]))
    b = lists(st.sampled_from([True, False, None]))
    t = lists(st.one_of(st.integers(0, 50), st.none()))
    correct = lists(st.sampled_from([True, False, None] if draw(st.booleans()) else [True, False]))
    score = lists(st.one_of(st.floats(0, 100), st.sampled_from([0.0, 0.125, 3.0, np.nan])))
    df = pd.DataFrame(
        {
            "x": np.array(x, float),
            "y": np.array(y, float),
            "k": pd.Series(k, dtype="category" if draw(st.booleans()) else object),
            "m": pd.Series(m, dtype=float if None in m else "int64"),
            "b": pd.Series(b, dtype="boolean" if None in b else bool),
            "t": pd.Series(
                [None if v is None else BASE + pd.Timedelta(minutes=v) for v in t],
                dtype="datetime64[us]",
            ),
            "correct": pd.Series(correct, dtype=object if None in correct else bool),
            "score": np.array(score, float),
        }
    )
    if draw(st.booleans()):  # unused categories keep their (empty) bin
        df["k"] = df["k"].astype(pd.CategoricalDtype(["c", "a", "b", "z"]))
    return df


def _bound(data: st.DataObject, df: pd.DataFrame, col: str) -> Any:
    s = df[col].dropna()
    if col == "t":
        stamps = [*(s.tolist()), BASE, BASE + pd.Timedelta(minutes=25)]
        ts = data.draw(st.sampled_from(stamps))
        jitter = data.draw(st.sampled_from([0, 0, 1, -1, 500, 60_000_000_000]))
        return data.draw(st.sampled_from([ts + pd.Timedelta(jitter, "ns"), None, None]))
    choices: list[Any] = [*s.tolist(), *POOL]
    if len(s) and s.min() < s.max():
        choices += np.histogram_bin_edges(s, bins=3).tolist()
    pick = (
        st.one_of(st.sampled_from(choices), st.floats(-11, 11), st.none())
        if choices
        else (st.one_of(st.floats(-11, 11), st.none()))
    )
    return data.draw(pick)


def _check(cf: CrossFilter, truth_of: Any, filters: dict[str, Any]) -> None:
    truth = truth_of.expected(filters)
    counts = cf.counts()
    for col in TYPES:
        np.testing.assert_array_equal(counts[col], truth["counts"][col], err_msg=col)
    for vc in VALUES:
        got = cf.metric_per_bin_all(vc)
        for col in TYPES:
            np.testing.assert_allclose(
                got[col],
                truth["means"][vc][col],
                rtol=1e-12,
                equal_nan=True,
                err_msg=f"{vc} per {col}",
            )
            np.testing.assert_allclose(cf.metric_per_bin(col, vc), got[col], rtol=0, equal_nan=True)
        np.testing.assert_allclose(cf.metric(vc), truth["metric"][vc], rtol=1e-12, equal_nan=True)
    assert cf.count() == truth["count"]
    np.testing.assert_array_equal(cf.mask(), truth["mask"])


@settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    df=tables(),
    bins=st.integers(1, 5),
    fine=st.integers(1, 9),
    bucket_rows=st.sampled_from([_index.BUCKET_ROWS, 2, 3, 5]),
    data=st.data(),
)
def test_every_count_and_mean_matches_pandas(
    oracle: Any, df: pd.DataFrame, bins: int, fine: int, bucket_rows: int, data: st.DataObject
) -> None:
    # small buckets put quantile (and tie-isolating) fine edges into these small tables
    with mock.patch.object(_index, "BUCKET_ROWS", bucket_rows):
        _run_operations(oracle, df, bins, fine, data)


def _run_operations(
    oracle: Any, df: pd.DataFrame, bins: int, fine: int, data: st.DataObject
) -> None:
    cf = CrossFilter(
        df, columns=list(TYPES), bins=bins, types=TYPES, fine_bins=fine, value_columns=VALUES
    )
    truth = oracle(df, TYPES, bins, VALUES)
    filters: dict[str, Any] = {}
    for col in TYPES:
        np.testing.assert_array_equal(cf.totals()[col], cf.counts()[col])
    _check(cf, truth, filters)
    for _ in range(data.draw(st.integers(1, 7))):
        op = data.draw(st.sampled_from(["brush", "brush", "select", "clear", "activate"]))
        if op == "brush":
            col = data.draw(st.sampled_from(["x", "y", "t"]))
            bounds = (_bound(data, df, col), _bound(data, df, col))
            cf.brush(col, bounds)
            filters[col] = bounds
            assert cf.active == col
        elif op == "select":
            col = data.draw(st.sampled_from(["k", "m", "b"]))
            cats = cf.categories(col)
            values = data.draw(st.lists(st.sampled_from([*cats, None]), max_size=3))
            if data.draw(st.integers(0, 5)) == 0:
                cf.select(col, None)
                filters.pop(col, None)
            else:
                cf.select(col, values)
                filters[col] = tuple(values)
        elif op == "clear":
            target = data.draw(st.sampled_from([None, *TYPES]))
            cf.clear(target)
            if target is None:
                filters.clear()
            else:
                filters.pop(target, None)
        else:
            col = data.draw(st.sampled_from(list(TYPES)))
            cf.activate(col)
            assert cf.active == col
        _check(cf, truth, filters)


@settings(max_examples=12, deadline=None, database=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_realistic_buckets_with_many_rows(oracle: Any, seed: int, data: st.DataObject) -> None:
    """Thousands of rows per fine bin: exercises both partial-bin strategies (add / subtract)."""
    rng = np.random.default_rng(seed)
    n = 20_000
    x = rng.lognormal(size=n)
    x[rng.random(n) < 0.05] = np.nan
    x[:200] = 1.0  # a heavy tie
    df = pd.DataFrame(
        {
            "x": x,
            "y": rng.normal(size=n).round(2),
            "k": pd.Categorical(rng.choice(list("abcde"), n)),
            "m": rng.integers(0, 3, n),
            "b": rng.random(n) < 0.3,
            "t": BASE + pd.to_timedelta(rng.integers(0, 10**6, n), "s"),
            "correct": rng.random(n) < 0.7,
            "score": rng.gamma(2.0, size=n),
        }
    )
    cf = CrossFilter(
        df, columns=list(TYPES), bins=20, types=TYPES, fine_bins=50, value_columns=VALUES
    )
    truth = oracle(df, TYPES, 20, VALUES)
    filters: dict[str, Any] = {"k": ("a", "c"), "y": (-1.0, 1.5)}
    cf.select("k", ["a", "c"])
    cf.brush("y", (-1.0, 1.5))
    for _ in range(3):
        lo, hi = sorted(data.draw(st.lists(st.floats(0, 8), min_size=2, max_size=2)))
        cf.brush("x", (lo, hi))
        filters["x"] = (lo, hi)
        _check(cf, truth, filters)
