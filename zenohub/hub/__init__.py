"""The function hub: publish, browse and install versioned, hash-pinned functions.

``search``, ``show``, ``install``, ``publish`` work against the bundled registry by default, a hub
server by URL, or a hub folder. Published code is never imported by the hub: browsing parses it
with :mod:`ast`, installing copies bytes checked against their SHA-256, and the project checks
them again against ``zenohub.lock`` before importing them.
"""

from .api import Installed, install, installed, publish, search, show, uninstall, verify, yank
from .catalog import Catalog, FolderRegistry, bundled_registry
from .client import RemoteHub, open_hub
from .errors import (
    AuthError,
    ConflictError,
    HubError,
    HubNotFoundError,
    IntegrityError,
    TooLargeError,
)
from .lock import Locked
from .store import HubStore, open_store

__all__ = [
    "AuthError",
    "Catalog",
    "ConflictError",
    "FolderRegistry",
    "HubError",
    "HubNotFoundError",
    "HubStore",
    "Installed",
    "IntegrityError",
    "Locked",
    "RemoteHub",
    "TooLargeError",
    "bundled_registry",
    "install",
    "installed",
    "open_hub",
    "open_store",
    "publish",
    "search",
    "show",
    "uninstall",
    "verify",
    "yank",
]
