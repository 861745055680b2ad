"""Explicit cases of the cross-filter: degenerate tables, bin edges, errors, index life cycle."""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pandas as pd
import pytest

import zenohub.crossfilter as crossfilter
from zenohub.columns import ColumnType
from zenohub.crossfilter import CrossFilter, CrossFilterError
from zenohub.errors import FilterError

C, N, B, D = ColumnType.CONTINUOUS, ColumnType.NOMINAL, ColumnType.BOOLEAN, ColumnType.DATETIME


def test_all_lists_every_public_name() -> None:
    public = {
        name
        for name, value in vars(crossfilter).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    public -= {"annotations"}
    assert set(crossfilter.__all__) == public
    assert issubclass(CrossFilterError, FilterError)


def test_empty_frame() -> None:
    df = pd.DataFrame(
        {
            "x": pd.Series([], dtype=float),
            "k": pd.Categorical([], categories=["a", "b"]),
            "b": pd.Series([], dtype=bool),
            "t": pd.Series([], dtype="datetime64[us]"),
            "v": pd.Series([], dtype=float),
        }
    )
    cf = CrossFilter(df, columns=["x", "k", "b", "t"], value_columns=["v"])
    assert cf.types == {"x": C, "k": N, "b": B, "t": D}
    assert cf.edges("x").shape == (0,)
    assert cf.categories("k") == ["a", "b"]
    cf.brush("x", (0, 1))
    cf.select("k", ["a"])
    cf.brush("t", ("2020-01-01", None))
    counts = cf.counts()
    assert {c: a.tolist() for c, a in counts.items()} == {
        "x": [0],
        "k": [0, 0, 0],
        "b": [0, 0, 0],
        "t": [0],
    }
    assert cf.count() == 0
    assert np.isnan(cf.metric("v"))
    assert np.isnan(cf.metric_per_bin("k", "v")).all()
    assert cf.mask().shape == (0,)


def test_single_row_and_constant_column() -> None:
    df = pd.DataFrame({"x": [1.5], "c": [7.0], "k": ["a"], "v": [0.25]})
    cf = CrossFilter(
        df, types={"x": C, "c": C, "k": N}, columns=["x", "c", "k"], value_columns=["v"]
    )
    np.testing.assert_array_equal(cf.edges("x"), [1.5, 1.5])  # one real bin
    assert cf.counts()["x"].tolist() == [1, 0]
    cf.brush("x", (1.5, 1.5))
    assert cf.count() == 1
    assert cf.counts()["k"].tolist() == [1, 0]
    cf.brush("x", (1.6, 2.0))
    assert cf.count() == 0
    assert cf.counts()["k"].tolist() == [0, 0]
    assert cf.counts()["x"].tolist() == [1, 0]  # its own brush does not filter itself
    assert np.isnan(cf.metric_per_bin("k", "v")[0])
    cf.brush("x", (None, None))
    np.testing.assert_allclose(cf.metric_per_bin("c", "v"), [0.25, np.nan])


def test_all_missing_column_has_only_the_missing_bin() -> None:
    df = pd.DataFrame({"x": [np.nan] * 3, "y": [1.0, 2.0, 3.0]})
    cf = CrossFilter(df)
    assert cf.edges("x").shape == (0,)
    assert cf.counts()["x"].tolist() == [3]
    cf.brush("x", (None, None))  # open bounds still exclude missing values
    assert cf.count() == 0
    assert cf.counts()["y"].sum() == 0


def test_values_on_bin_edges_and_inclusive_brush() -> None:
    df = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0], "k": list("abcde")})
    cf = CrossFilter(df, bins=4, types={"k": N}, fine_bins=2)
    np.testing.assert_array_equal(cf.edges("x"), [0, 1, 2, 3, 4])
    assert cf.counts()["x"].tolist() == [1, 1, 1, 2, 0]  # the last bin is closed
    cf.brush("x", (1.0, 3.0))
    assert cf.counts()["k"].tolist() == [0, 1, 1, 1, 0, 0]
    cf.brush("x", (3.0, 1.0))  # lo > hi matches nothing
    assert cf.counts()["k"].sum() == 0


def test_infinities_fall_into_the_outer_bins() -> None:
    df = pd.DataFrame({"x": [-np.inf, 0.0, 0.5, 1.0, np.inf, np.nan], "k": list("abcdef")})
    cf = CrossFilter(df, bins=2, types={"k": N})
    np.testing.assert_array_equal(cf.edges("x"), [0.0, 0.5, 1.0])
    assert cf.counts()["x"].tolist() == [2, 3, 1]
    cf.brush("x", (-np.inf, 0.0))
    assert cf.mask().tolist() == [True, True, False, False, False, False]
    cf.brush("x", (None, None))
    assert cf.count() == 5
    only = pd.DataFrame({"x": [np.inf, -np.inf, np.inf, np.nan], "y": [1.0, 2.0, 3.0, 4.0]})
    cf = CrossFilter(only)
    np.testing.assert_array_equal(cf.edges("x"), [-np.inf, np.inf])  # one bin, no finite range
    cf.brush("x", (0.0, np.inf))
    assert cf.mask().tolist() == [True, False, True, False]
    assert cf.counts()["x"].tolist() == [3, 1]


def test_selections_empty_missing_and_clear() -> None:
    df = pd.DataFrame(
        {
            "k": pd.Series(["a", "b", None, "a"], dtype=object),
            "flag": pd.Series([True, None, False, True], dtype="boolean"),
            "m": [1, 3, 3, 2],
            "x": [1.0, 2.0, 3.0, 4.0],
        }
    )
    cf = CrossFilter(df, types={"k": N, "flag": B, "m": N, "x": C})
    assert cf.categories("flag") == [False, True]
    cf.select("k", [])  # an empty selection matches nothing ...
    assert cf.count() == 0
    assert cf.counts()["x"].sum() == 0
    assert cf.counts()["k"].tolist() == [2, 1, 1]  # ... except in its own view
    cf.select("k", None)  # ... while None clears it
    assert cf.filters == {}
    cf.select("k", [None])
    assert cf.mask().tolist() == [False, False, True, False]
    cf.select("flag", [None, False])
    assert cf.count() == 1
    cf.clear()
    cf.select("m", [3.0])  # raw values compare by equality: 3.0 is category 3
    assert cf.mask().tolist() == [False, True, True, False]
    cf.select("flag", True)  # a scalar is a one-value selection
    assert cf.count() == 0
    assert cf.filters == {"m": (3.0,), "flag": (True,)}


def test_one_category_and_wide_nominal_views() -> None:
    rng = np.random.default_rng(1)
    wide = rng.integers(0, 300, 2000)
    df = pd.DataFrame({"one": ["z"] * 2000, "wide": pd.Categorical(wide), "x": rng.random(2000)})
    cf = CrossFilter(df, types={"one": N, "wide": N})
    assert cf.counts()["one"].tolist() == [2000, 0]
    assert len(cf.categories("wide")) == 300  # codes widen to uint16
    cf.select("wide", [5, 299])
    assert cf.count() == int(np.isin(wide, [5, 299]).sum())
    np.testing.assert_array_equal(cf.counts()["wide"][:-1], np.bincount(wide, minlength=300))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda cf: cf.brush("xx", (0, 1)), "did you mean 'x'"),
        (lambda cf: cf.brush("k", (0, 1)), "filter it with select()"),
        (lambda cf: cf.select("x", [1.0]), "filter it with brush()"),
        (lambda cf: cf.select("k", ["nope"]), "'nope' is not a value of column 'k'"),
        (lambda cf: cf.brush("x", 3.0), "must be a (lo, hi) pair"),
        (lambda cf: cf.brush("x", (np.nan, 1)), "is NaN"),
        (lambda cf: cf.brush("x", ("a", 1)), "is not a number"),
        (lambda cf: cf.metric_per_bin("x", "loss"), "not registered"),
        (lambda cf: cf.edges("k"), "has no edges"),
        (lambda cf: cf.categories("x"), "has no categories"),
        (lambda cf: cf.add_values("w", [1.0]), "has 1 values; the table has 3 rows"),
        (lambda cf: cf.add_values("w", ["a", "b", "c"]), "must be numeric or boolean"),
        (lambda cf: cf.brush("t", (pd.Timestamp("2020", tz="UTC"), None)), "timezone"),
    ],
)
def test_errors_say_what_to_fix(call: Any, message: str) -> None:
    df = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0],
            "k": ["a", "b", "a"],
            "t": pd.to_datetime(["2020-01-01", "2020-01-02", None]),
        }
    )
    cf = CrossFilter(df, types={"k": N})
    with pytest.raises(CrossFilterError, match=_re(message)):
        call(cf)


def _re(text: str) -> str:
    import re

    return re.escape(text)


def test_constructor_errors() -> None:
    df = pd.DataFrame({"x": np.arange(5.0), "s": [f"free text {i}" for i in range(5)]})
    with pytest.raises(CrossFilterError, match="'y' is not in the table"):
        CrossFilter(df, columns=["y"])
    with pytest.raises(CrossFilterError, match="cannot be cross-filtered"):
        CrossFilter(df, columns=["s"], types={"s": ColumnType.TEXT})
    with pytest.raises(CrossFilterError, match="`bins` must be between"):
        CrossFilter(df, bins=0)
    with pytest.raises(CrossFilterError, match="Value column 'w' is not in the table"):
        CrossFilter(df, value_columns=["w"])
    assert CrossFilter(df).columns == ("x",)  # free text is left out by default


def test_datetime_bounds_round_inward_like_pandas() -> None:
    t = pd.Series(
        pd.to_datetime(
            [
                "2024-01-01 00:00:00.000001",
                "2024-01-01 00:00:00.000002",
                "2024-01-01 00:00:00.000003",
                None,
            ]
        )
    )
    assert t.dt.unit == "us"
    df = pd.DataFrame({"t": t, "x": [1.0, 2.0, 3.0, 4.0]})
    cf = CrossFilter(df, bins=2)
    lo = pd.Timestamp("2024-01-01 00:00:00.0000015")  # between two ticks
    hi = pd.Timestamp("2024-01-01 00:00:00.000003")
    cf.brush("t", (lo, hi))
    np.testing.assert_array_equal(cf.mask(), ((t >= lo) & (t <= hi)).to_numpy())
    assert cf.edges("t").dtype == np.dtype("datetime64[us]")
    aware = df.assign(t=t.dt.tz_localize("Europe/Paris"))
    cf = CrossFilter(aware)
    cf.brush("t", (lo.tz_localize("Europe/Paris"), None))
    assert cf.count() == 2


def test_exclude_self_and_metric_per_bin_by_hand() -> None:
    df = pd.DataFrame(
        {
            "x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
            "k": ["a", "a", "b", "b", "b", "c"],
            "correct": [True, False, True, True, False, True],
        }
    )
    cf = CrossFilter(df, columns=["x", "k"], bins=5, types={"k": N}, value_columns=["correct"])
    cf.brush("x", (1.0, 4.0))
    cf.select("k", ["b"])
    counts = cf.counts()
    assert counts["k"].tolist() == [1, 3, 0, 0]  # k under the brush of x only
    assert counts["x"].tolist() == [0, 0, 1, 1, 1, 0]  # x under k == "b" only (2, 3, 4)
    np.testing.assert_allclose(cf.metric_per_bin("k", "correct"), [0.0, 2 / 3, np.nan, np.nan])
    assert cf.count() == 3
    assert cf.metric("correct") == pytest.approx(2 / 3)
    assert cf.mask().tolist() == [False, False, True, True, True, False]


def test_index_life_cycle() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=500),
            "y": rng.random(500),
            "k": rng.choice(["a", "b"], 500),
            "loss": rng.gamma(2.0, size=500),
        }
    )
    cf = CrossFilter(df, types={"k": N})
    assert cf.active is None and cf.fine_edges() is None
    cf.brush("x", (-1.0, 1.0))
    assert cf.active == "x"
    fine = cf.fine_edges()
    assert fine is not None and np.all(np.diff(fine) > 0)
    cf.select("k", ["a"])  # another view's filter invalidates the index
    assert cf.active is None
    cf.brush("x", (-0.5, 1.0))
    assert cf.active == "x"
    cf.clear("x")  # clearing the active view keeps its index
    assert cf.active == "x"
    cf.activate("k")
    assert cf.active == "k"
    cf.select("k", ["b"])  # set views answer from their own index too
    assert cf.active == "k"
    cf.add_values("loss", df["loss"])  # registering rebuilds the index with sums
    expected = df.loc[df.k == "b", "loss"].mean()
    assert cf.metric("loss") == pytest.approx(expected, rel=1e-12)
    cf.clear()
    assert cf.filters == {} and cf.count() == 500


def test_frame_changes_after_construction_do_not_leak_in() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 1.0, 2.0]})
    cf = CrossFilter(df)
    df.loc[0, "x"] = 100.0  # copy-on-write: the engine keeps the values it was given
    cf.brush("x", (0.0, 5.0))
    assert cf.count() == 3


def test_value_columns_missing_and_nullable() -> None:
    df = pd.DataFrame(
        {
            "k": ["a", "a", "b", "b"],
            "ok": pd.Series([True, None, False, True], dtype=object),
            "n": pd.Series([1, None, 3, 4], dtype="Int64"),
        }
    )
    cf = CrossFilter(df, columns=["k"], types={"k": N}, value_columns=["ok", "n"])
    np.testing.assert_allclose(cf.metric_per_bin("k", "ok"), [1.0, 0.5, np.nan])
    np.testing.assert_allclose(cf.metric_per_bin("k", "n"), [1.0, 3.5, np.nan])
    assert set(cf.metric_per_bin_all("n")) == {"k"}


def test_memory_is_compact() -> None:
    """Per row, the engine owns far less than the frame; float64 / bool columns are not copied."""

    def table(n: int) -> pd.DataFrame:
        rng = np.random.default_rng(3)
        df = pd.DataFrame({f"c{i}": rng.normal(size=n) for i in range(8)})
        df["k"] = pd.Categorical(rng.choice(list("abcd"), n))
        df["correct"] = rng.random(n) < 0.5
        return df

    owned = {}
    for n in (40_000, 80_000):
        df = table(n)
        cf = CrossFilter(df, columns=[*(f"c{i}" for i in range(8)), "k"], value_columns=["correct"])
        cf.select("k", ["a"])
        cf.brush("c0", (-1.0, 1.0))
        mem = cf.nbytes()
        assert mem["shared"] == 8 * 8 * n + n  # float64 columns and the bool values: zero-copy
        owned[n] = mem["owned"]
        raw_per_row = df.memory_usage(deep=True).sum() / n
    per_row = (owned[80_000] - owned[40_000]) / 40_000
    assert per_row < 0.5 * raw_per_row  # uint8 codes, counters and the bucketed copy


@pytest.mark.slow  # compiles the parallel builds once (~20 s), then loads them from numba's cache
def test_parallel_kernels_agree(monkeypatch: pytest.MonkeyPatch, oracle: Any) -> None:
    """The parallel builds of the row kernels (used from 200k rows) give the same answers."""
    from zenohub.crossfilter import _jit

    rng = np.random.default_rng(4)
    n = 5000
    x = rng.lognormal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    df = pd.DataFrame(
        {
            "x": x,
            "y": rng.normal(size=n),
            "k": rng.choice(list("abc"), n),
            "correct": rng.random(n) < 0.6,
        }
    )
    types = {"x": C, "y": C, "k": N}
    truth = oracle(df, types, 20, ["correct"])
    serial = CrossFilter(df, columns=list(types), bins=20, types=types, value_columns=["correct"])
    monkeypatch.setattr(_jit, "PARALLEL_MIN_ROWS", 0)
    parallel = CrossFilter(df, columns=list(types), bins=20, types=types, value_columns=["correct"])
    filters: dict[str, Any] = {"k": ("a", "b"), "y": (-1.0, 2.0), "x": (0.3, 2.5)}
    for cf in (serial, parallel):
        cf.select("k", ["a", "b"])
        cf.brush("y", (-1.0, 2.0))
        cf.brush("x", (0.3, 2.5))
    expected = truth.expected(filters)
    for cf in (serial, parallel):
        for col in types:
            np.testing.assert_array_equal(cf.counts()[col], expected["counts"][col])
            np.testing.assert_allclose(
                cf.metric_per_bin(col, "correct"),
                expected["means"]["correct"][col],
                rtol=1e-12,
                equal_nan=True,
            )
    parallel.clear("k")  # the non-indexed path runs in parallel too
    parallel.brush("y", (-0.5, 0.5))
    serial.clear("k")
    serial.brush("y", (-0.5, 0.5))
    for col in types:
        np.testing.assert_array_equal(parallel.counts()[col], serial.counts()[col])


def test_summarize_subsets_matches_pandas() -> None:
    rng = np.random.default_rng(3)
    n = 500
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "ok": pd.array(rng.random(n) < 0.7, dtype="boolean"),
            "loss": np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        }
    )
    df.loc[rng.choice(n, 20, replace=False), "ok"] = pd.NA
    cf = CrossFilter(df, columns=["x"], value_columns=["ok", "loss"])
    cf.brush("x", (0.0, 1.0))  # the current filter does not restrict subsets
    masks = np.stack([df["x"].to_numpy() > 0, np.zeros(n, bool), rng.random(n) < 0.3])
    for column in ("ok", "loss"):
        sizes, means = cf.summarize(masks, column)
        assert sizes.tolist() == masks.sum(axis=1).tolist()
        expected = [df.loc[m, column].astype(float).mean() for m in masks]
        np.testing.assert_allclose(means, expected, equal_nan=True)
    sizes, means = cf.summarize(masks[0])
    assert sizes.tolist() == [masks[0].sum()] and np.isnan(means).all()
    with pytest.raises(CrossFilterError, match=r"shape \(subsets, 500\)"):
        cf.summarize(np.ones(3, bool), "ok")
