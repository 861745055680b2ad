"""Checking what slice discovery is given: the table, columns, errors and parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import did_you_mean
from ._binning import BinnedColumn, bin_column
from ._errors import DiscoveryError


def check_frame(df: Any) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise DiscoveryError(f"Expected a pandas DataFrame of metadata, got {type(df).__name__}.")
    return df


def resolve_columns(df: pd.DataFrame, columns: Sequence[str] | str | None) -> list[str]:
    """The columns to search, checked to exist."""
    if columns is None:
        return [str(c) for c in df.columns]
    if isinstance(columns, str):
        columns = [columns]
    names = [str(c) for c in df.columns]
    out = []
    for col in columns:
        if col not in df.columns:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise DiscoveryError(
                f"Unknown column {col!r}{did_you_mean(str(col), names)}; the table has: {shown}."
            )
        if col not in out:
            out.append(col)
    return out


def bin_columns(
    df: pd.DataFrame, names: list[str], n_bins: int, max_categories: int
) -> tuple[list[BinnedColumn], dict[str, str]]:
    """Binned usable columns and, for the others, why they were skipped."""
    binned, skipped = [], {}
    for name in names:
        series = df[name]
        if isinstance(series, pd.DataFrame):
            raise DiscoveryError(f"The table has several columns named {name!r}.")
        result = bin_column(name, series, n_bins, max_categories)
        if isinstance(result, str):
            skipped[name] = result
        elif result.items:
            binned.append(result)
        else:
            skipped[name] = "it has no usable values"
    if not binned:
        why = "; ".join(f"{k}: {v}" for k, v in skipped.items()) or "no columns were given"
        raise DiscoveryError(
            f"No usable column to describe slices with ({why}). Pass metadata columns with at "
            f"least two distinct values."
        )
    return binned, skipped


def as_errors(values: Any, n: int, what: str) -> np.ndarray:
    """Per-row errors as float64 (NaN for missing), checked for length and type."""
    arr = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else np.asarray(values)
    if arr.ndim != 1:
        raise DiscoveryError(
            f"{what} must be one value per row, got an array of shape {arr.shape}."
        )
    if arr.shape[0] != n:
        raise DiscoveryError(
            f"{what} has {arr.shape[0]} values but the table has {n} rows; pass one per row."
        )
    try:
        out = pd.to_numeric(pd.Series(arr), errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (TypeError, ValueError):
        raise DiscoveryError(
            f"{what} must be booleans, 0/1 or per-row losses (numbers), got {arr.dtype} values."
        ) from None
    if np.isinf(out).any():
        raise DiscoveryError(f"{what} holds infinite values; clip or drop them first.")
    return out


def check(name: str, ok: bool, expected: str, value: Any) -> None:
    if not ok:
        raise DiscoveryError(f"{name} must be {expected}, got {value!r}.")


def is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def check_max_predicates(value: Any) -> int:
    check("max_predicates", is_int(value) and 1 <= value <= 3, "1, 2 or 3", value)
    return int(value)


def check_n_bins(value: Any) -> int:
    check("n_bins", is_int(value) and 2 <= value <= 64, "an integer from 2 to 64", value)
    return int(value)


def check_max_categories(value: Any) -> int:
    ok = is_int(value) and 1 <= value <= 200
    check("max_categories", ok, "an integer from 1 to 200", value)
    return int(value)
