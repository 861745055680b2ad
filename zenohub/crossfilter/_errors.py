"""The cross-filter's own exception."""

from __future__ import annotations

from ..errors import FilterError


class CrossFilterError(FilterError):
    """A cross-filter request names an unknown column, the wrong kind of filter or bad bounds."""
