"""The slice-discovery exception."""

from __future__ import annotations

from ..errors import ZenohubError


class DiscoveryError(ZenohubError):
    """Slice discovery got an unknown column, mismatched lengths, no usable column or a bad
    parameter; the message says which and what to change."""
