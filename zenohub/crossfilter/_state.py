"""Filter bookkeeping: the filters, the per-row failure counters and the active view's index.

Invariant: the counters (``nfail``, ``failid``; see :mod:`._kernels`) hold every filter except the
active view's, which only its index sees. Changing the active view's filter is therefore free;
changing another view's drops the index first (its tables assumed the old filter), folding the
active filter back into the counters.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from . import _kernels as K
from ._binning import View
from ._filters import Filter, fold, passes
from ._index import RangeIndex, Rows, SetIndex, Sums
from ._jit import threads_for
from ._results import flat_counts, flat_sums
from ._values import Values

logger = logging.getLogger(__name__)


class FilterState:
    """The current filters of a set of views, with cached exclude-self results."""

    def __init__(
        self, views: list[View], codes: np.ndarray, offsets: np.ndarray, fine_bins: int
    ) -> None:
        self.views, self.codes, self.offsets, self.fine_bins = views, codes, offsets, fine_bins
        counter = np.uint8 if len(views) < 255 else np.uint16
        self.nfail = np.zeros(codes.shape[0], counter)
        self.failid = np.zeros(codes.shape[0], counter)
        self.filters: dict[int, Filter] = {}
        self.values: dict[str, Values] = {}
        self.index: RangeIndex | SetIndex | None = None
        self.active: int | None = None
        self._counts: np.ndarray | None = None
        self._sums: dict[str, Sums] = {}

    def rows(self) -> Rows:
        return Rows(self.codes, self.offsets, self.nfail, self.failid)

    def totals(self) -> np.ndarray:
        """Flat unfiltered counts (only valid before any filter is set)."""
        nt = threads_for(self.codes.shape[0])
        return K.hist_counts(self.codes, self.offsets, self.nfail, self.failid, nt).sum(axis=0)

    # ------------------------------------------------------------------ changes
    def set(self, v: int, flt: Filter) -> None:
        """Set view ``v``'s filter (callers activate range views first)."""
        old = self.filters.get(v)
        if self.active != v:
            self.deactivate()
            if old is not None:
                self._fold(v, old, add=False)
            self._fold(v, flt, add=True)
        self.filters[v] = flt
        self.touch()

    def clear(self, v: int | None) -> None:
        """Remove view ``v``'s filter, or every filter with ``v=None``."""
        if v is None:
            if set(self.filters) - {self.active}:  # the index assumed other filters
                self.deactivate()
                self.nfail[:] = 0
                self.failid[:] = 0
            if self.filters:
                self.filters.clear()
                self.touch()
            return
        old = self.filters.get(v)
        if old is None:
            return
        if self.active != v:
            self.deactivate()
            self._fold(v, old, add=False)
        del self.filters[v]
        self.touch()

    def activate(self, v: int) -> None:
        """Index view ``v``: take its filter out of the counters, then build."""
        if self.active == v:
            return
        self.deactivate()
        old = self.filters.get(v)
        if old is not None:
            self._fold(v, old, add=False)
        try:
            self.index = self._build(v)
        except BaseException:  # e.g. MemoryError: stay consistent, unindexed
            if old is not None:
                self._fold(v, old, add=True)
            raise
        self.active = v

    def deactivate(self) -> None:
        """Drop the index, folding the active view's filter back into the counters."""
        if self.active is None:
            return
        flt = self.filters.get(self.active)
        if flt is not None:
            self._fold(self.active, flt, add=True)
        self.active, self.index = None, None

    def add_values(self, name: str, vals: Values) -> None:
        """Register a value column; an existing index is rebuilt to carry its sums."""
        self.values[name] = vals
        self._sums.pop(name, None)
        active = self.active
        if active is not None:
            self.deactivate()
            self.activate(active)

    def touch(self) -> None:
        """Forget cached results."""
        self._counts = None
        self._sums.clear()

    # ------------------------------------------------------------------ results
    def counts(self) -> np.ndarray:
        """Flat exclude-self counts (cached until the filters change)."""
        if self._counts is None:
            self._counts = flat_counts(self.rows(), self.index, self.active_filter())
        return self._counts

    def sums(self, name: str) -> Sums:
        """Flat exclude-self sums of a registered value column (cached)."""
        if name not in self._sums:
            self._sums[name] = flat_sums(
                self.rows(), self.index, self.active_filter(), name, self.values[name]
            )
        return self._sums[name]

    def mask(self) -> np.ndarray:
        """Rows passing every filter."""
        out: np.ndarray = self.nfail == 0
        flt = self.active_filter()
        if self.active is not None and flt is not None:
            out &= passes(self.views[self.active], self.active, flt, self.codes)
        return out

    def active_filter(self) -> Filter | None:
        return None if self.active is None else self.filters.get(self.active)

    def arrays(self) -> list[np.ndarray]:
        """Buffers held besides views and values (for memory accounting)."""
        out = [self.codes, self.offsets, self.nfail, self.failid]
        return out + (self.index.arrays() if self.index is not None else [])

    # ------------------------------------------------------------------ internals
    def _fold(self, v: int, flt: Filter, *, add: bool) -> None:
        fold(self.views[v], v, flt, self.codes, self.nfail, self.failid, add=add)

    def _build(self, v: int) -> RangeIndex | SetIndex:
        start = time.perf_counter()
        view = self.views[v]
        index: RangeIndex | SetIndex
        if view.is_range:
            index = RangeIndex.build(view, v, self.rows(), self.fine_bins, self.values)
        else:
            index = SetIndex.build(view, v, self.rows(), self.values)
        logger.debug("indexed %r in %.3f s", view.name, time.perf_counter() - start)
        return index
