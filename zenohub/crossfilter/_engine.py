"""The :class:`CrossFilter` engine: linked histograms with exclude-self filtering."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..columns import ColumnType
from ..errors import did_you_mean
from ._binning import (
    MAX_BINS,
    RANGE_TYPES,
    SET_TYPES,
    View,
    bin_table,
    display_edges,
    resolve_columns,
)
from ._binning import range_bounds as _range_bounds
from ._errors import CrossFilterError
from ._filters import RangeFilter, SetFilter, set_filter
from ._index import RangeIndex, Sums
from ._kernels import subset_sums
from ._results import mean
from ._state import FilterState
from ._values import as_values


class CrossFilter:
    """Linked histograms of a table's columns, cross-filtered Falcon-style.

    Each column is a *view* with pre-binned compact codes (see :mod:`._binning`; every view has
    an extra last bin for missing values). A view's filter is a brush ``[lo, hi]`` on raw values
    (continuous, datetime) or a set of categories (nominal, boolean). :meth:`counts` gives every
    view's histogram under all *other* views' filters (exclude-self), and :meth:`metric_per_bin`
    the mean of a registered value column per bin under the same filter.

    Brushing makes a range view *active* (Moritz, Howe & Heer, "Falcon: Balancing Interactive
    Latency and Resolution Sensitivity for Scalable Linked Visualizations", CHI 2019): one pass
    over the rows builds prefix-sum tables so that every further brush of that view answers all
    views in O(bins) each -- exactly, see :mod:`._index`. Filtering another view drops the index;
    the next brush rebuilds it. Selections of an inactive set view cost one pass over the rows;
    :meth:`activate` a set view to index it too.

    Not thread-safe: use one engine per session (they can share nothing but the frame).

    Parameters
    ----------
    df : pandas.DataFrame
        The instance table. Float64 and datetime columns are read without copying.
    columns : sequence of str, optional
        Columns to cross-filter; default every continuous, datetime, nominal or boolean column.
    bins : int
        Display bins of continuous and datetime views.
    types : mapping of str to ColumnType, optional
        Column types overriding :func:`zenohub.columns.infer_column_type`.
    fine_bins : int
        Resolution ("pixels") of the active range view's index.
    value_columns : sequence of str, optional
        Per-instance numeric or boolean columns whose mean is reported per bin; more can be
        registered with :meth:`add_values`.

    Raises
    ------
    CrossFilterError
        A column is unknown, not filterable, has too many categories, or ``bins`` is out of range.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        columns: Sequence[str] | None = None,
        bins: int = 50,
        types: Mapping[str, ColumnType] | None = None,
        fine_bins: int = 400,
        value_columns: Sequence[str] | None = None,
    ) -> None:
        for label, n in (("bins", bins), ("fine_bins", fine_bins)):
            if not 1 <= int(n) < MAX_BINS:
                raise CrossFilterError(f"`{label}` must be between 1 and {MAX_BINS - 1}, not {n}.")
        self._n_rows = len(df)
        types = dict(types or {})
        names = resolve_columns(df, columns, types)
        views, codes, offsets = bin_table(df, names, types, int(bins))
        self._views, self._offsets = views, offsets
        self._ids = {v.name: i for i, v in enumerate(views)}
        self._state = FilterState(views, codes, offsets, int(fine_bins))
        self._totals = self._state.totals()
        for name in value_columns or ():
            if name not in df.columns:
                raise CrossFilterError(
                    f"Value column {name!r} is not in the table{did_you_mean(name, df.columns)}."
                )
            self.add_values(name, df[name])

    # ------------------------------------------------------------------ description
    @property
    def columns(self) -> tuple[str, ...]:
        """The cross-filtered columns, in view order."""
        return tuple(v.name for v in self._views)

    @property
    def types(self) -> dict[str, ColumnType]:
        """The type each view is binned and filtered as."""
        return {v.name: v.ctype for v in self._views}

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Registered value columns (see :meth:`add_values`)."""
        return tuple(self._state.values)

    @property
    def active(self) -> str | None:
        """The view the index is built for, if any."""
        active = self._state.active
        return None if active is None else self._views[active].name

    @property
    def filters(self) -> dict[str, tuple[Any, ...]]:
        """Current filters: brush bounds or selected values, as given."""
        return {
            self._views[v].name: f.bounds if isinstance(f, RangeFilter) else f.values
            for v, f in self._state.filters.items()
        }

    def edges(self, column: str) -> np.ndarray:
        """Bin edges of a continuous (float64) or datetime (``datetime64``) view.

        ``len(edges) - 1`` real bins (none for a column without values); the counts arrays have
        one more entry, the missing bin.
        """
        view = self._view(column, RANGE_TYPES, "edges")
        return display_edges(view)

    def categories(self, column: str) -> list[Any]:
        """The value of each real bin of a nominal or boolean view (the missing bin follows)."""
        view = self._view(column, SET_TYPES, "categories")
        assert view.categories is not None
        return view.categories.tolist()

    def fine_edges(self) -> np.ndarray | None:
        """Fine-bin edges of the active range view: brushes snapped to them scan the fewest rows."""
        index = self._state.index
        if not isinstance(index, RangeIndex):
            return None
        return display_edges(View(**{**index.view.__dict__, "edges": index.fine_edges}))

    # ------------------------------------------------------------------ filtering
    def brush(self, column: str, bounds: tuple[Any, Any] | None) -> None:
        """Keep rows with ``lo <= value <= hi`` in a continuous or datetime view.

        The first brush of a view activates it (builds its index, see :meth:`activate`); the
        following ones cost O(bins) per view. Display bins stay as they are.

        Parameters
        ----------
        column : str
            A continuous or datetime view.
        bounds : (lo, hi) or None
            Inclusive bounds compared with the raw values exactly, as ``(x >= lo) & (x <= hi)``;
            missing values never match. ``None`` on one side leaves it open; datetime bounds are
            anything ``pandas.Timestamp`` accepts. ``bounds=None`` clears the brush.

        Raises
        ------
        CrossFilterError
            Unknown or non-range column, bounds not a pair, NaN or unparsable bounds.
        """
        v = self._id(column)
        view = self._views[v]
        if not view.is_range:
            raise CrossFilterError(
                f"Column {column!r} is {view.ctype.value}; filter it with select(), not brush()."
            )
        if bounds is None:
            self.clear(column)
            return
        lo, hi = _range_bounds(view, bounds)
        self._state.activate(v)
        old = self._state.filters.get(v)
        new = RangeFilter(lo, hi, tuple(bounds))
        if isinstance(old, RangeFilter) and (old.lo, old.hi) == (lo, hi):
            self._state.filters[v] = new  # same rows: keep the cached results
        else:
            self._state.set(v, new)

    def select(self, column: str, values: Iterable[Any] | Hashable | None) -> None:
        """Keep rows whose nominal or boolean value is one of ``values``.

        Costs one pass over the rows unless the view is active (see :meth:`activate`).

        Parameters
        ----------
        column : str
            A nominal or boolean view.
        values : iterable, scalar or None
            Raw category values (a scalar selects one); ``None``/NaN among them selects the
            missing bin. An empty list is a filter matching no row; ``values=None`` clears the
            selection instead.

        Raises
        ------
        CrossFilterError
            Unknown or non-set column, or a value that is not one of :meth:`categories`.
        """
        v = self._id(column)
        view = self._views[v]
        if view.is_range:
            raise CrossFilterError(
                f"Column {column!r} is {view.ctype.value}; filter it with brush(), not select()."
            )
        if values is None:
            self.clear(column)
            return
        if isinstance(values, Iterable) and not isinstance(values, str | bytes):
            chosen = tuple(values)
        else:
            chosen = (values,)
        new = set_filter(view, chosen)
        old = self._state.filters.get(v)
        if isinstance(old, SetFilter) and np.array_equal(old.lut, new.lut):
            self._state.filters[v] = new  # same rows: keep the cached results
        else:
            self._state.set(v, new)

    def clear(self, column: str | None = None) -> None:
        """Remove one view's filter, or every filter with ``column=None``."""
        self._state.clear(None if column is None else self._id(column))

    def activate(self, column: str) -> None:
        """Build the Falcon index of ``column`` so its filter changes cost O(bins) per view.

        One pass over the rows builds, for every view, (fine bin of ``column`` x view bin)
        prefix sums under all filters but ``column``'s and the view's own. Brushing a range view
        activates it; call this for a set view about to be clicked repeatedly, or ahead of a
        brush (on hover) to take the build off the first brush. Filtering another view drops
        the index.
        """
        self._state.activate(self._id(column))

    def add_values(self, name: str, values: Any) -> None:
        """Register a per-instance numeric or boolean column for :meth:`metric_per_bin`.

        ``values`` is anything with one value per row (array, list, Series); NaN/None/NA are
        ignored in means. Registering while a view is active rebuilds its index.
        """
        self._state.add_values(name, as_values(name, values, self._n_rows))

    # ------------------------------------------------------------------ results
    def counts(self) -> dict[str, np.ndarray]:
        """Per view, the rows in each bin under every *other* view's filter (exclude-self).

        Returns
        -------
        dict of str to numpy.ndarray
            int64 counts, one per bin, the missing-value bin last.
        """
        return self._split(self._state.counts().copy())

    def totals(self) -> dict[str, np.ndarray]:
        """Per view, the unfiltered rows in each bin (missing bin last)."""
        return self._split(self._totals.copy())

    def count(self) -> int:
        """Rows matching every filter."""
        return int(self._state.counts()[-1])

    def mask(self) -> np.ndarray:
        """Boolean row mask of every filter together."""
        return self._state.mask()

    def metric(self, values_column: str) -> float:
        """Mean of a value column over the rows matching every filter (NaN when none)."""
        sums = self._sums(values_column)
        return float(mean(sums.total[-1:], sums.nn[-1:])[0])

    def summarize(
        self, masks: np.ndarray, values_column: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Size and mean of a value column for each of several row subsets, in one pass each.

        For the rows of saved slices (or any subsets the filter does not describe): the means
        come from the same stored values as :meth:`metric`, so they agree with it exactly.

        Parameters
        ----------
        masks : numpy.ndarray
            Booleans of shape ``(subsets, rows)`` (or one mask of shape ``(rows,)``).
        values_column : str, optional
            A registered value column; without it the means are NaN.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            int64 sizes and float64 means (NaN for a subset without a non-missing value).
        """
        m = np.asarray(masks, dtype=bool)
        if m.ndim == 1:
            m = m[None, :]
        if m.ndim != 2 or m.shape[1] != self._n_rows:
            raise CrossFilterError(
                f"Masks must have shape (subsets, {self._n_rows}), not {np.shape(masks)}."
            )
        if values_column is None:
            return m.sum(axis=1).astype(np.int64), np.full(len(m), np.nan)
        self._sums(values_column)  # checks the column is registered
        vals = self._state.values[values_column]
        sentinel = float("nan") if vals.data.dtype == np.float64 else float(vals.sentinel)
        rows, total, nn = subset_sums(np.ascontiguousarray(m), vals.data, sentinel)
        return rows, mean(total, nn)

    def metric_per_bin(self, column: str, values_column: str) -> np.ndarray:
        """Mean of a value column per bin of ``column`` under its exclude-self filter.

        Parameters
        ----------
        column : str
            The view whose bins group the rows.
        values_column : str
            A registered value column (``value_columns=`` or :meth:`add_values`).

        Returns
        -------
        numpy.ndarray
            float64 means, NaN for bins without a non-missing value; the missing bin last.
        """
        v = self._id(column)
        sums = self._sums(values_column)
        lo, hi = self._offsets[v], self._offsets[v + 1]
        return mean(sums.total[lo:hi], sums.nn[lo:hi])

    def metric_per_bin_all(self, values_column: str) -> dict[str, np.ndarray]:
        """:meth:`metric_per_bin` of every view at once."""
        sums = self._sums(values_column)
        return self._split(mean(sums.total, sums.nn))

    def nbytes(self) -> dict[str, int]:
        """Memory held: ``owned`` buffers and ``shared`` ones that are views of the input."""
        owned = [self._totals, *self._state.arrays()]
        shared: list[np.ndarray] = []
        for view in self._views:
            if view.raw is not None:
                (shared if view.raw_shared else owned).append(view.raw)
        for vals in self._state.values.values():
            (shared if vals.shared else owned).append(vals.data)
        return {"owned": sum(a.nbytes for a in owned), "shared": sum(a.nbytes for a in shared)}

    def __repr__(self) -> str:
        return (
            f"CrossFilter({self._n_rows} rows, {len(self._views)} views, "
            f"active={self.active!r}, filters={self.filters!r})"
        )

    # ------------------------------------------------------------------ internals
    def _id(self, column: str) -> int:
        try:
            return self._ids[column]
        except KeyError:
            raise CrossFilterError(
                f"Column {column!r} is not cross-filtered{did_you_mean(str(column), self._ids)}; "
                f"views: {list(self._ids)}."
            ) from None

    def _view(self, column: str, kinds: frozenset[ColumnType], what: str) -> View:
        view = self._views[self._id(column)]
        if view.ctype not in kinds:
            raise CrossFilterError(f"Column {column!r} is {view.ctype.value} and has no {what}.")
        return view

    def _sums(self, name: str) -> Sums:
        if name not in self._state.values:
            raise CrossFilterError(
                f"Value column {name!r} is not registered"
                f"{did_you_mean(name, self._state.values)}; "
                "pass it in `value_columns` or call add_values()."
            )
        return self._state.sums(name)

    def _split(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        o = self._offsets
        return {v.name: flat[o[i] : o[i + 1]] for i, v in enumerate(self._views)}
