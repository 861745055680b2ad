"""Errors of the function hub; each is a :class:`~zenohub.errors.ZenohubError`::

    HubError               a hub request is malformed or cannot be served
    ├── HubNotFoundError   no such function, version or hub
    ├── IntegrityError     bytes do not match their SHA-256 (tampered or corrupted file)
    ├── ConflictError      a published version is immutable; another user owns the name
    ├── AuthError          a token is missing, unknown, or may not publish this name
    └── TooLargeError      an upload exceeds the hub's size limit

The server sends the class name with every error, so a remote client raises the same class.
"""

from __future__ import annotations

from ..errors import ZenohubError


class HubError(ZenohubError):
    """A hub request is malformed (bad name, version, source) or the hub cannot be reached."""

    status = 400


class HubNotFoundError(HubError):
    """No function, version or hub by that name."""

    status = 404


class IntegrityError(HubError):
    """Bytes differ from the SHA-256 they are pinned to: the file was tampered with or corrupted."""

    status = 422


class ConflictError(HubError):
    """Re-publishing a version with other content, or publishing a name another user owns."""

    status = 409


class AuthError(HubError):
    """The token is missing or unknown, or its owner may not publish or yank this name."""

    status = 403


class TooLargeError(HubError):
    """An upload is larger than the hub accepts."""

    status = 413


ERRORS: dict[str, type[HubError]] = {
    cls.__name__: cls
    for cls in (HubError, HubNotFoundError, IntegrityError, ConflictError, AuthError, TooLargeError)
}
