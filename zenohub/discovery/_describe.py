"""Describing a selection of rows (e.g. a lasso in the embedding view) in metadata terms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._binning import BinnedColumn
from ._errors import DiscoveryError
from ._results import SelectionDescription
from ._validation import (
    bin_columns,
    check_frame,
    check_max_categories,
    check_max_predicates,
    check_n_bins,
    resolve_columns,
)

#: a predicate must raise the rule's F1 by at least this much to be added
MIN_GAIN = 0.01


def _selection(mask: Any, n: int) -> np.ndarray:
    arr = mask.to_numpy() if isinstance(mask, pd.Series | pd.Index) else np.asarray(mask)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DiscoveryError(
            f"The selection must be one boolean per row ({n}), got shape {arr.shape}."
        )
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise DiscoveryError("The selection must be booleans (or 0/1), one per row.")
        arr = arr.astype(bool)
    return arr


def describe_selection(
    df: pd.DataFrame,
    mask: Any,
    columns: Sequence[str] | None = None,
    max_predicates: int = 3,
    n_bins: int = 32,
    max_categories: int = 30,
) -> SelectionDescription:
    """The few metadata predicates that best separate the selected rows from the others.

    Greedy rule growth: starting from every row, add the item (a quantile bin or tail of a
    continuous column, a value of a nominal one, ``is null``) on a new column that most raises
    the F1 score of "rule matches" against "row selected", while it raises it by at least
    0.01, up to ``max_predicates`` predicates. Each step is one ``np.bincount`` per column over
    the rows the rule still matches.

    Parameters
    ----------
    df : pandas.DataFrame
        Metadata, one row per instance.
    mask : array-like of bool
        The selected rows.
    columns : list of str, optional
        Columns the description may use (default: all).
    max_predicates : int, default 3
        Largest number of predicates (1, 2 or 3).
    n_bins, max_categories : int
        Binning of continuous and nominal columns (finer than for slice discovery, so that a
        threshold can be placed close to the selection's edge).

    Returns
    -------
    SelectionDescription
        The rule (possibly empty) with its precision and recall.
    """
    df = check_frame(df)
    n = len(df)
    selected = _selection(mask, n)
    names = resolve_columns(df, columns)
    max_predicates = check_max_predicates(max_predicates)
    binned, _skipped = bin_columns(
        df, names, check_n_bins(n_bins), check_max_categories(max_categories)
    )
    n_sel = int(selected.sum())
    if n_sel == 0 or n_sel == n:
        return SelectionDescription((), n_sel, n, n_sel, n_sel / n if n else 0.0, 1.0)
    rule_rows = np.ones(n, dtype=bool)
    best_f1 = 2 * n_sel / (n + n_sel)
    chosen: list[tuple[BinnedColumn, int]] = []
    for _ in range(max_predicates):
        best: tuple[float, BinnedColumn, int] | None = None
        for col in binned:
            if any(col is c for c, _i in chosen):
                continue
            codes = col.codes[rule_rows]
            item_size = col.cover @ np.bincount(codes, minlength=col.n_bins)
            hits = col.cover @ np.bincount(col.codes[rule_rows & selected], minlength=col.n_bins)
            f1 = 2 * hits / (item_size + n_sel)
            i = int(np.argmax(f1))
            if best is None or f1[i] > best[0]:
                best = (float(f1[i]), col, i)
        if best is None or best[0] < best_f1 + MIN_GAIN:
            break
        best_f1, col, item = best
        chosen.append((col, item))
        rule_rows &= col.item_rows(item)
    size = int(rule_rows.sum())
    matched = int((rule_rows & selected).sum())
    if not chosen:
        size, matched = n, n_sel
    predicates = tuple((p.column, p.op, p.value) for p in (col.items[i] for col, i in chosen))
    return SelectionDescription(
        predicates=predicates,
        selected=n_sel,
        size=size,
        matched=matched,
        precision=matched / size if size else 0.0,
        recall=matched / n_sel,
    )
