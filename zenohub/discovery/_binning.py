"""Binning metadata columns into integer codes and the predicates ("items") a slice is built of.

Every usable column becomes a :class:`BinnedColumn`: one small integer code per row and a list
of items, each a :class:`~zenohub.filters.Predicate` with the set of bins it covers. Ordered
columns (numbers, datetimes) get quantile bins, each a ``between`` item (``==`` when a bin holds
one value), plus the lower and upper tails (``<=`` / ``>=``) so that a threshold such as
"x above its 70th percentile" is one item. Nominal columns (text, categories, booleans) get one
``==`` item per frequent value; the rarest values share a bin without an item. Missing values
get their own bin and an ``is null`` item. Bin bounds are data values, so an item's predicate
selects exactly the rows of its bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..filters import Predicate


@dataclass(frozen=True, eq=False)
class BinnedColumn:
    """One column as codes ``0 .. n_bins-1`` and the items (predicates) over those bins."""

    name: str
    codes: np.ndarray  #: (n,) int32 bin of each row
    n_bins: int
    items: tuple[Predicate, ...]
    cover: np.ndarray  #: (n_items, n_bins) float64, 1 where the item covers the bin

    def item_rows(self, item: int) -> np.ndarray:
        """The rows an item selects, as a boolean array."""
        return self.cover[item].astype(bool)[self.codes]


def _plain(value: Any) -> Any:
    """A numpy scalar as a plain Python value (what a Predicate stores)."""
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    return value.item() if isinstance(value, np.generic) else value


def _ordinal(name: str, series: pd.Series, n_bins: int) -> BinnedColumn | str:
    """Quantile bins of a numeric or datetime column (one bin per value when there are few)."""
    is_datetime = pd.api.types.is_datetime64_any_dtype(series.dtype)
    missing = np.array(series.isna(), dtype=bool)
    if is_datetime:
        naive = series.dt.tz_convert("UTC").dt.tz_localize(None) if series.dt.tz else series
        values = naive.to_numpy(dtype="datetime64[ns]").view(np.int64)
    else:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        missing |= ~np.isfinite(values)
    present = values[~missing]
    if present.size == 0:
        return "it has no values"
    ordered = np.sort(present)
    distinct = np.count_nonzero(ordered[1:] != ordered[:-1]) + 1
    if distinct <= n_bins:
        edges = np.unique(ordered)
    else:
        # inverted-CDF quantiles are data values, so the bin maxima are the edges themselves
        q = np.linspace(0, 1, n_bins + 1)[1:-1]
        idx = np.clip(np.ceil(q * ordered.size).astype(np.int64) - 1, 0, ordered.size - 1)
        edges = np.unique(ordered[idx])
        if edges[-1] < ordered[-1]:
            edges = np.append(edges, ordered[-1])
    n_real = edges.size
    if n_real < 2 and not missing.any():
        return "it holds a single value"
    codes = np.full(values.shape, n_real, dtype=np.int32)  # missing -> bin n_real
    codes[~missing] = np.searchsorted(edges, present, side="left")
    highs = edges
    lows = np.empty_like(edges)
    lows[0] = ordered[0]
    lows[1:] = ordered[np.searchsorted(ordered, edges[:-1], side="right")]

    integer = pd.api.types.is_integer_dtype(series.dtype) or (
        not is_datetime and bool(np.all(np.mod(present, 1) == 0))
    )
    if is_datetime:
        tz = getattr(series.dtype, "tz", None)

        def value(v: Any) -> Any:
            ts = pd.Timestamp(int(v))
            return ts.tz_localize("UTC").tz_convert(tz) if tz else ts
    elif integer and pd.api.types.is_integer_dtype(series.dtype):

        def value(v: Any) -> Any:
            return int(v)
    else:

        def value(v: Any) -> Any:
            return float(v)

    n_total = n_real + (1 if missing.any() else 0)
    items: list[Predicate] = []
    covers: list[np.ndarray] = []

    def add(predicate: Predicate, bins: Sequence[int] | slice) -> None:
        row = np.zeros(n_total)
        row[bins] = 1.0
        items.append(predicate)
        covers.append(row)

    for i in range(n_real):
        lo, hi = value(lows[i]), value(highs[i])
        add(Predicate(name, "==", lo) if lo == hi else Predicate(name, "between", (lo, hi)), [i])
    for i in range(1, n_real - 1):
        add(Predicate(name, "<=", value(highs[i])), slice(0, i + 1))
        add(Predicate(name, ">=", value(lows[i])), slice(i, n_real))
    if missing.any():
        add(Predicate(name, "is null"), [n_real])
    return BinnedColumn(name, codes, n_total, tuple(items), np.array(covers))


def _nominal(name: str, series: pd.Series, max_categories: int) -> BinnedColumn | str:
    """One bin per frequent value; the rest share an item-less bin; missing values their own."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes)
    present = codes >= 0
    if not present.any():
        return "it has no values"
    counts = np.bincount(codes[present], minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")
    keep = order[:max_categories]
    keep = keep[counts[keep] >= 2] if len(uniques) > max_categories else keep
    if keep.size == 0:
        return "every value is unique"
    if len(uniques) == 1 and present.all():
        return "it holds a single value"
    n_keep = keep.size
    has_other = len(uniques) > n_keep
    has_missing = not present.all()
    remap = np.full(len(uniques) + 1, n_keep, dtype=np.int32)  # others -> bin n_keep
    remap[keep] = np.arange(n_keep, dtype=np.int32)
    missing_bin = n_keep + (1 if has_other else 0)
    remap[-1] = missing_bin  # code -1 (missing) indexes the last slot
    binned = remap[codes]
    n_total = missing_bin + (1 if has_missing else 0)
    items = [Predicate(name, "==", _plain(uniques[i])) for i in keep]
    cover = np.zeros((n_keep + (1 if has_missing else 0), n_total))
    cover[np.arange(n_keep), np.arange(n_keep)] = 1.0
    if has_missing:
        items.append(Predicate(name, "is null"))
        cover[-1, missing_bin] = 1.0
    return BinnedColumn(name, binned, n_total, tuple(items), cover)


def bin_column(
    name: str, series: pd.Series, n_bins: int, max_categories: int
) -> BinnedColumn | str:
    """The column's codes and items, or why it cannot be used (a short reason)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if pd.api.types.is_numeric_dtype(cats.dtype) and len(cats) > max_categories:
            return _ordinal(name, series.astype(cats.dtype), n_bins)
        return _nominal(name, series, max_categories)
    if pd.api.types.is_bool_dtype(dtype):
        return _nominal(name, series, max_categories)
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return _ordinal(name, series, n_bins)
    if pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(series, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return _ordinal(name, pd.to_numeric(series), n_bins)
        if inferred not in ("string", "boolean", "empty", "categorical"):
            return f"its values are {inferred}, not numbers, text or categories"
    return _nominal(name, series, max_categories)
