"""Fixtures of the cross-filter tests: a ground truth computed with plain pandas / numpy.

Nothing here uses the engine's codes or kernels: bins come from ``np.histogram_bin_edges`` (or the
documented integer edges for datetimes), categories from pandas, counts from ``np.histogram`` and
``value_counts``, and per-bin means from ``groupby``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from zenohub.columns import ColumnType


def bin_index(s: pd.Series, ctype: ColumnType, bins: int) -> tuple[np.ndarray, int]:
    """Each row's bin (missing rows: ``n_real``) and the number of real bins."""
    missing = s.isna().to_numpy()
    if ctype is ColumnType.CONTINUOUS:
        x = s.to_numpy(dtype=float, na_value=np.nan)
        finite = x[np.isfinite(x)]
        if not (~missing).any():
            return np.zeros(len(s), np.int64), 0
        if len(finite) == 0 or finite.min() == finite.max():
            return np.where(missing, 1, 0), 1
        edges = np.histogram_bin_edges(finite, bins=bins)
        idx = np.clip(np.searchsorted(edges, x, "right") - 1, 0, bins - 1)
        return np.where(missing, bins, idx), bins
    if ctype is ColumnType.DATETIME:
        ticks = s.array.asi8
        valid = ticks[~missing]
        if len(valid) == 0:
            return np.zeros(len(s), np.int64), 0
        lo, hi = int(valid.min()), int(valid.max())
        if lo == hi:
            return np.where(missing, 1, 0), 1
        edges = np.array([lo + (hi - lo) * i // bins for i in range(bins + 1)], np.int64)
        idx = np.clip(np.searchsorted(edges, ticks, "right") - 1, 0, bins - 1)
        return np.where(missing, bins, idx), bins
    cats = categories(s, ctype)
    pos = np.full(len(s), len(cats), np.int64)
    pos[~missing] = pd.Index(cats, dtype=object).get_indexer(s[~missing].astype(object).tolist())
    return pos, len(cats)


def categories(s: pd.Series, ctype: ColumnType) -> list[Any]:
    if ctype is ColumnType.BOOLEAN:
        return [False, True]
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist())


def histogram(s: pd.Series, ctype: ColumnType, bins: int, mask: np.ndarray) -> np.ndarray:
    """Counts per bin (missing last) of the masked rows, with np.histogram / value_counts."""
    missing = s.isna().to_numpy()
    n_missing = int((mask & missing).sum())
    if ctype in (ColumnType.CONTINUOUS, ColumnType.DATETIME):
        if ctype is ColumnType.DATETIME:
            x = s.array.asi8
            valid = x[~missing]
            finite = valid
        else:
            x = s.to_numpy(dtype=float, na_value=np.nan)
            valid = x[~missing]
            finite = valid[np.isfinite(valid)]
        picked = x[mask & ~missing]
        if len(valid) == 0:
            real = np.zeros(0, np.int64)
        elif len(finite) == 0 or finite.min() == finite.max():
            real = np.array([len(picked)])
        elif ctype is ColumnType.DATETIME:
            lo, hi = int(finite.min()), int(finite.max())
            edges = np.array([lo + (hi - lo) * i // bins for i in range(bins + 1)], np.int64)
            real = np.histogram(picked, bins=edges)[0]
        else:
            edges = np.histogram_bin_edges(finite, bins=bins)
            real = np.histogram(np.clip(picked, edges[0], edges[-1]), bins=edges)[0]
    else:
        cats = categories(s, ctype)
        vc = s[mask & ~missing].astype(object).value_counts()
        real = np.array([int(vc.get(c, 0)) for c in cats], np.int64)
    return np.append(real, n_missing).astype(np.int64)


def filter_mask(s: pd.Series, ctype: ColumnType, flt: Any) -> np.ndarray:
    """Rows passing one filter: ``(lo, hi)`` brush or tuple of selected values."""
    if ctype in (ColumnType.CONTINUOUS, ColumnType.DATETIME):
        lo, hi = flt
        if ctype is ColumnType.DATETIME:
            m = pd.Series(True, index=s.index)
            if lo is not None:
                m &= s >= pd.Timestamp(lo)
            if hi is not None:
                m &= s <= pd.Timestamp(hi)
            return (m & s.notna()).to_numpy(dtype=bool)
        lo = -np.inf if lo is None else lo
        hi = np.inf if hi is None else hi
        return ((s >= lo) & (s <= hi)).fillna(False).to_numpy(dtype=bool)
    values = list(flt)
    want_missing = any(v is None or (isinstance(v, float) and np.isnan(v)) for v in values)
    plain = [v for v in values if not (v is None or (isinstance(v, float) and np.isnan(v)))]
    m = s.isin(plain).fillna(False).to_numpy(dtype=bool) & s.notna().to_numpy()
    if want_missing:
        m |= s.isna().to_numpy()
    return m


class Truth:
    """Exclude-self counts and means per view of one table, for any set of filters."""

    def __init__(
        self, df: pd.DataFrame, types: dict[str, ColumnType], bins: int, value_columns: list[str]
    ) -> None:
        self.df, self.types, self.bins = df, types, bins
        self.bin_index = {c: bin_index(df[c], t, bins) for c, t in types.items()}
        self.values = pd.DataFrame(
            {v: df[v].to_numpy(dtype=float, na_value=np.nan) for v in value_columns}
        )

    def expected(self, filters: dict[str, Any]) -> dict[str, Any]:
        df, n = self.df, len(self.df)
        masks = {c: filter_mask(df[c], self.types[c], f) for c, f in filters.items()}
        everything = np.ones(n, bool)
        for m in masks.values():
            everything &= m
        out: dict[str, Any] = {"counts": {}, "means": {v: {} for v in self.values.columns}}
        for col, ctype in self.types.items():
            mask = np.ones(n, bool)
            for other, m in masks.items():
                if other != col:
                    mask &= m
            out["counts"][col] = histogram(df[col], ctype, self.bins, mask)
            idx, n_real = self.bin_index[col]
            means = self.values[mask].groupby(idx[mask]).mean().reindex(range(n_real + 1))
            for vc in self.values.columns:
                out["means"][vc][col] = means[vc].to_numpy(dtype=float)
        out["mask"] = everything
        out["count"] = int(everything.sum())
        out["metric"] = {vc: float(self.values[vc][everything].mean()) for vc in self.values}
        return out


@pytest.fixture(scope="session")
def oracle() -> type[Truth]:
    """The ground-truth class (a fixture: test modules are imported with importlib)."""
    return Truth
