"""View filters -- a range brush or a set of categories -- and their effect on the row counters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..columns import ColumnType
from . import _kernels as K
from ._binning import View
from ._errors import CrossFilterError


@dataclass(frozen=True)
class RangeFilter:
    """``lo <= value <= hi`` on raw values; missing values never pass."""

    lo: Any  #: raw units (float64, or int64 datetime ticks)
    hi: Any
    bounds: tuple[Any, Any]  #: as the user gave them


@dataclass(frozen=True, eq=False)
class SetFilter:
    """Rows whose bin is selected in ``lut`` (the missing bin last)."""

    lut: np.ndarray
    values: tuple[Any, ...]  #: as the user gave them


Filter = RangeFilter | SetFilter


def set_filter(view: View, values: tuple[Any, ...]) -> SetFilter:
    """Select ``values`` (raw category values; None/NaN is the missing bin) of a set view."""
    assert view.categories is not None
    lut = np.zeros(view.n_bins + 1, bool)
    for value in values:
        if value is None or (not pd.api.types.is_list_like(value) and pd.isna(value)):
            lut[view.n_bins] = True
            continue
        if view.ctype is ColumnType.BOOLEAN:
            pos = int(value) if isinstance(value, bool | np.bool_) else -1
        else:
            pos = int(view.categories.get_indexer([value])[0])
        if pos < 0:
            shown = view.categories.tolist()[:20]
            raise CrossFilterError(
                f"{value!r} is not a value of column {view.name!r}; values: {shown}."
            )
        lut[pos] = True
    return SetFilter(lut, values)


def fold(
    view: View,
    col: int,
    flt: Filter,
    codes: np.ndarray,
    nfail: np.ndarray,
    failid: np.ndarray,
    *,
    add: bool,
) -> None:
    """Add (or remove) the filter of view number ``col`` to the per-row failure counters."""
    if isinstance(flt, RangeFilter):
        K.fold_range(view.raw, flt.lo, flt.hi, view.nat, nfail, failid, col + 1, add)
    else:
        K.fold_set(codes, col, flt.lut, nfail, failid, col + 1, add)


def passes(view: View, col: int, flt: Filter, codes: np.ndarray) -> np.ndarray:
    """Boolean row mask of one filter."""
    if isinstance(flt, SetFilter):
        return flt.lut[codes[:, col]]
    assert view.raw is not None
    out = np.empty(view.raw.shape[0], bool)
    K.range_pass(view.raw, flt.lo, flt.hi, view.nat, out)
    return out
