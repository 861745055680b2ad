"""Per-instance value columns whose mean the cross-filter reports per bin (e.g. ``correct``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._errors import CrossFilterError

#: missing marker of boolean value columns stored as uint8 (0 / 1)
BOOL_MISSING = np.uint8(255)


@dataclass(frozen=True, eq=False)
class Values:
    """A registered value column, stored compactly."""

    data: np.ndarray  #: uint8 (booleans, 255 = missing) or float64 (NaN = missing)
    sentinel: Any  #: missing marker besides NaN
    shared: bool  #: ``data`` is a view of the caller's buffer
    exact: bool  #: integral values whose sums are exact in float64 (prefix sums can subtract)
    complete: bool  #: no missing value: non-missing counts equal row counts


def as_values(name: str, values: Any, n_rows: int) -> Values:
    """Store ``values`` compactly.

    Booleans become uint8 (a zero-copy view when they have no missing value), with 255 for
    missing; numbers become float64 with NaN for missing (zero-copy for float64 input).
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if len(series) != n_rows:
        raise CrossFilterError(
            f"Value column {name!r} has {len(series)} values; the table has {n_rows} rows."
        )
    dtype = series.dtype
    if dtype == np.bool_:
        src = series.to_numpy()
        arr = np.ascontiguousarray(src).view(np.uint8)
        return Values(arr, BOOL_MISSING, bool(np.shares_memory(arr, src)), True, True)
    if not pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        non_null = series.dropna()
        if len(non_null) and non_null.map(type).isin([bool, np.bool_]).all():
            dtype = pd.BooleanDtype()
            series = series.astype(dtype)
        elif len(non_null):
            raise CrossFilterError(
                f"Value column {name!r} must be numeric or boolean, not {series.dtype}."
            )
    if pd.api.types.is_bool_dtype(dtype):
        arr = series.array.to_numpy(dtype=np.uint8, na_value=BOOL_MISSING)  # type: ignore[call-overload]
        return Values(arr, BOOL_MISSING, False, True, not bool((arr == BOOL_MISSING).any()))
    src = series.to_numpy()
    if src.dtype == np.float64:
        arr = np.ascontiguousarray(src)
    else:
        arr = series.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(arr)
    valid = arr[~missing]
    # integers whose total stays below 2**53 sum exactly in float64, in any order
    exact = bool(np.all(valid == np.round(valid)) and np.abs(valid).sum() < 2.0**53)
    shared = bool(np.shares_memory(arr, src))
    return Values(arr, np.float64(np.nan), shared, exact, not bool(missing.any()))
