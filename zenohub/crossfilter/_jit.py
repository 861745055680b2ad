"""Compilation helpers shared by the cross-filter's numba kernels."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numba
from numba import njit

#: tables with fewer rows run the serial build of the row kernels
PARALLEL_MIN_ROWS = 200_000

__all__ = ["PARALLEL_MIN_ROWS", "BucketKernel", "RowKernel", "threads_for"]


def threads_for(n_rows: int) -> int:
    """Chunks to split ``n_rows`` rows into: one per thread, or one for small tables."""
    return int(numba.get_num_threads()) if n_rows >= PARALLEL_MIN_ROWS else 1


class RowKernel:
    """A row kernel compiled serial and parallel; a call picks by the length of its first argument.

    Small tables run serially: waking the thread pool costs more than their work (milliseconds
    when other processes keep the cores busy).
    """

    rows_arg = 0

    def __init__(self, fn: Callable[..., Any]) -> None:
        twin = types.FunctionType(
            fn.__code__, fn.__globals__, f"{fn.__name__}_parallel", fn.__defaults__, fn.__closure__
        )
        twin.__qualname__ = f"{fn.__qualname__}_parallel"  # its own on-disk cache entry
        self.__doc__ = fn.__doc__
        self.serial = njit(cache=True, nogil=True)(fn)
        self.parallel = njit(parallel=True, cache=True, nogil=True)(twin)

    def __call__(self, *args: Any) -> Any:
        rows = args[self.rows_arg].shape[0]
        return (self.parallel if rows >= PARALLEL_MIN_ROWS else self.serial)(*args)


class BucketKernel(RowKernel):
    """A :class:`RowKernel` over bucketed rows, sized by its second argument."""

    rows_arg = 1
