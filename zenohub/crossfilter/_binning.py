"""Pre-binning of the filterable columns into compact integer codes.

Every column becomes a *view*: a histogram whose bins are

* continuous -- ``bins`` equal-width bins over the finite ``[min, max]``, the last bin closed
  (``np.histogram``'s rule); infinities fall into the outer bins;
* datetime -- the same over the column's int64 ticks, with exact integer edges;
* nominal -- one bin per category (pandas category codes; numeric nominal columns too);
* boolean -- two bins, ``False`` and ``True``;

plus one extra last bin for missing values (NaN, None, NaT, pd.NA) in every column. A column
whose values are all equal has one real bin with both edges at that value; a column without any
value has no real bin at all (its edges are empty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..columns import ColumnType, coerce_column, infer_column_type
from ..errors import did_you_mean
from . import _kernels as K
from ._errors import CrossFilterError

#: missing-value sentinel of datetime ticks (pandas' iNaT)
NAT = np.iinfo(np.int64).min
#: types filtered with a range brush on raw values
RANGE_TYPES = frozenset({ColumnType.CONTINUOUS, ColumnType.DATETIME})
#: types filtered by selecting categories
SET_TYPES = frozenset({ColumnType.NOMINAL, ColumnType.BOOLEAN})
#: largest number of bins (missing bin included) a view may have
MAX_BINS = 65535

_NS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


@dataclass(frozen=True, eq=False)
class View:
    """One filterable column: its type, bins and (for range views) raw values."""

    name: str
    ctype: ColumnType
    n_bins: int  #: real bins; the missing bin comes on top
    edges: np.ndarray | None = None  #: range views: bin edges in raw units (float64 or int64)
    categories: pd.Index | None = None  #: set views: one value per bin
    raw: np.ndarray | None = None  #: range views: float64 values or int64 ticks, contiguous
    raw_shared: bool = False  #: ``raw`` is a view of the frame's own buffer
    unit: str | None = None  #: datetime resolution of the ticks
    tz: dt.tzinfo | None = None
    data_min: Any = None  #: smallest non-missing value (may be -inf)
    data_max: Any = None  #: largest non-missing value (may be +inf)
    finite_min: Any = None
    finite_max: Any = None

    @property
    def is_range(self) -> bool:
        return self.ctype in RANGE_TYPES

    @property
    def nat(self) -> np.float64 | np.int64:
        """Missing-value sentinel of :attr:`raw`."""
        return np.int64(NAT) if self.ctype is ColumnType.DATETIME else np.float64(np.nan)


def range_edges(view: View, n: int) -> np.ndarray:
    """``n`` equal-width bin edges over the view's finite range (fewer for degenerate data)."""
    assert view.raw is not None
    dtype = view.raw.dtype
    if view.data_min is None:
        return np.empty(0, dtype)
    if view.finite_min is None or view.finite_min == view.finite_max:
        return np.array([view.data_min, view.data_max], dtype)
    if dtype == np.int64:
        lo, span = int(view.finite_min), int(view.finite_max) - int(view.finite_min)
        return np.array([lo + span * i // n for i in range(n + 1)], np.int64)
    return np.linspace(float(view.finite_min), float(view.finite_max), n + 1)


def write_range_codes(view: View, codes: np.ndarray, col: int) -> None:
    """Bin a range view's raw values into ``codes[:, col]`` (missing: bin ``n_bins``)."""
    assert view.raw is not None and view.edges is not None
    if view.edges.shape[0] > 1:
        K.bin_codes(view.raw, view.edges, view.nat, codes, col)
    else:  # no value at all: every row is in the missing bin, number 0
        codes[:, col] = 0


def _range_view(name: str, values: pd.Series, ctype: ColumnType, bins: int) -> View:
    if ctype is ColumnType.DATETIME:
        arr = values.array
        raw = np.ascontiguousarray(arr.asi8)  # type: ignore[attr-defined]
        shared = np.shares_memory(raw, arr.asi8)  # type: ignore[attr-defined]
        unit, tz = str(arr.unit), getattr(values.dtype, "tz", None)  # type: ignore[attr-defined]
        nat: Any = np.int64(NAT)
    else:
        src = values.to_numpy()
        if src.dtype == np.float64:
            raw = np.ascontiguousarray(src)
        else:
            raw = values.to_numpy(dtype=np.float64, na_value=np.nan)
        shared = np.shares_memory(raw, src)
        unit, tz, nat = None, None, np.float64(np.nan)
    first: Any
    last: Any
    if ctype is ColumnType.DATETIME:
        first, last = np.int64(np.iinfo(np.int64).max), np.int64(NAT + 1)
    else:
        first, last = np.float64(np.inf), np.float64(-np.inf)
    n_valid, n_finite, lo, hi, flo, fhi = K.value_range(raw, nat, first, last)
    view = View(
        name,
        ctype,
        0,
        raw=raw,
        raw_shared=bool(shared),
        unit=unit,
        tz=tz,
        data_min=lo if n_valid else None,
        data_max=hi if n_valid else None,
        finite_min=flo if n_finite else None,
        finite_max=fhi if n_finite else None,
    )
    edges = range_edges(view, bins)
    return View(**{**view.__dict__, "edges": edges, "n_bins": max(edges.shape[0] - 1, 0)})


def _set_codes(values: pd.Series, ctype: ColumnType) -> tuple[pd.Index, np.ndarray]:
    if ctype is ColumnType.BOOLEAN:
        if values.dtype == np.bool_:
            codes = values.to_numpy().view(np.uint8).astype(np.uint16)
        else:
            codes = values.array.to_numpy(dtype=np.uint16, na_value=2)  # type: ignore[call-overload]
        return pd.Index([False, True], dtype=object), codes
    cat = values.array if isinstance(values.dtype, pd.CategoricalDtype) else pd.Categorical(values)
    n = len(cat.categories)  # type: ignore[attr-defined]
    if n + 1 > MAX_BINS:
        raise CrossFilterError(
            f"Column {values.name!r} has {n} categories; at most {MAX_BINS - 1} can be "
            "cross-filtered. Give it ColumnType.CONTINUOUS in `types` or leave it out."
        )
    raw_codes = np.asarray(cat.codes)  # type: ignore[attr-defined]
    codes = np.where(raw_codes < 0, n, raw_codes).astype(np.uint16)
    return cat.categories, codes  # type: ignore[attr-defined]


def bin_column(
    name: str, values: pd.Series, ctype: ColumnType, bins: int
) -> tuple[View, np.ndarray | None]:
    """Build the view of one column, with the uint16 bin codes of a set view.

    Range views are binned by :func:`write_range_codes`, straight into the code matrix.
    """
    if ctype not in RANGE_TYPES | SET_TYPES:
        raise CrossFilterError(
            f"Column {name!r} has type {ctype.value!r}, which cannot be cross-filtered; "
            "pass a continuous, datetime, nominal or boolean type in `types` or leave it out."
        )
    try:
        values = coerce_column(values, ctype)
    except (TypeError, ValueError) as exc:
        raise CrossFilterError(f"Column {name!r} cannot be read as {ctype.value}: {exc}") from exc
    if ctype in RANGE_TYPES:
        return _range_view(name, values, ctype, bins), None
    categories, codes = _set_codes(values, ctype)
    return View(name, ctype, len(categories), categories=categories), codes


def _column_type(name: str, values: pd.Series, types: dict[str, ColumnType]) -> ColumnType:
    """The type given in ``types``, else inferred (floats directly: inference copies them)."""
    if name in types:
        return ColumnType(types[name])
    if pd.api.types.is_float_dtype(values.dtype):
        return ColumnType.CONTINUOUS  # what infer_column_type says, without its dropna()
    return infer_column_type(values)


def resolve_columns(
    df: pd.DataFrame, columns: Sequence[str] | None, types: dict[str, ColumnType]
) -> list[str]:
    """The columns to cross-filter: as listed (checked), or every filterable one."""
    if columns is None:
        wanted = RANGE_TYPES | SET_TYPES
        return [
            c
            for c in df.columns
            if (ColumnType(types[c]) if c in types else infer_column_type(df[c])) in wanted
        ]
    names = list(columns)
    for name in names:
        if name not in df.columns:
            raise CrossFilterError(
                f"Column {name!r} is not in the table{did_you_mean(name, df.columns)}."
            )
    if len(set(names)) != len(names):
        raise CrossFilterError(f"Columns are listed more than once: {names}.")
    return names


def bin_table(
    df: pd.DataFrame, names: list[str], types: dict[str, ColumnType], bins: int
) -> tuple[list[View], np.ndarray, np.ndarray]:
    """Views of ``names`` and their row-major code matrix (uint8, or uint16 for wide views).

    Also returns ``offsets``: view ``v``'s bins are ``[offsets[v], offsets[v + 1])`` of the flat
    layout (every view's bins plus its missing bin, one after the other).
    """
    views = []
    codes = np.empty((len(df), len(names)), np.uint8 if bins < 256 else np.uint16)
    for i, name in enumerate(names):
        view, col_codes = bin_column(name, df[name], _column_type(name, df[name], types), bins)
        if col_codes is None:
            write_range_codes(view, codes, i)
        else:
            if view.n_bins >= 256 and codes.dtype == np.uint8:
                codes = codes.astype(np.uint16)
            codes[:, i] = col_codes
        views.append(view)
    widths = [v.n_bins + 1 for v in views]
    offsets = np.zeros(len(views) + 1, np.int64)
    np.cumsum(widths, out=offsets[1:])
    return views, codes, offsets


def range_bounds(view: View, bounds: Any) -> tuple[Any, Any]:
    """Turn user brush bounds into raw-unit ``(lo, hi)``; ``None`` on either side is open."""
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise CrossFilterError(
            f"Brush of {view.name!r} must be a (lo, hi) pair or None, got {bounds!r}."
        ) from None
    if view.ctype is ColumnType.DATETIME:
        return _tick(view, lo, ceil=True), _tick(view, hi, ceil=False)
    out = []
    for b, inf in ((lo, -np.inf), (hi, np.inf)):
        try:
            f = inf if b is None else float(b)
        except (TypeError, ValueError):
            raise CrossFilterError(f"Brush bound {b!r} of {view.name!r} is not a number.") from None
        if f != f:
            raise CrossFilterError(f"Brush bound of {view.name!r} is NaN; use None for open.")
        out.append(np.float64(f))
    return out[0], out[1]


def _tick(view: View, bound: Any, *, ceil: bool) -> np.int64:
    """A datetime bound as the column's int64 tick: rounded inward so comparisons stay exact."""
    if bound is None:
        return np.int64(NAT + 1) if ceil else np.int64(np.iinfo(np.int64).max)
    try:
        ts = pd.Timestamp(bound)
    except (TypeError, ValueError) as exc:
        raise CrossFilterError(f"Brush bound {bound!r} of {view.name!r}: {exc}") from None
    if ts is pd.NaT:
        raise CrossFilterError(f"Brush bound of {view.name!r} is NaT; use None for open.")
    if (ts.tz is None) != (view.tz is None):
        raise CrossFilterError(
            f"Brush bound {bound!r} and column {view.name!r} must both be timezone-aware "
            f"or both naive (column tz: {view.tz})."
        )
    ns, per = int(ts.value), _NS_PER_UNIT[view.unit or "ns"]
    tick = -(-ns // per) if ceil else ns // per
    return np.int64(min(max(tick, NAT + 1), np.iinfo(np.int64).max))


def display_edges(view: View) -> np.ndarray:
    """Edges as users see them: float64, or ``datetime64[unit]`` for datetime views."""
    assert view.edges is not None
    if view.ctype is ColumnType.DATETIME:
        return view.edges.view(f"datetime64[{view.unit}]").copy()
    return view.edges.copy()
