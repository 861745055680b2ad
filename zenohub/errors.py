"""Exceptions raised by zenohub.

Every error a user can cause is a :class:`ZenohubError` whose message says what to fix::

    ZenohubError
    ├── ConfigError        a project setting is wrong (file, key, allowed values)
    ├── DataError          the dataset cannot be loaded or lacks a column
    ├── FunctionError      a decorated function is malformed or returned something unusable
    ├── ProcessingError    one or more user functions failed during ``Project.process``
    ├── CacheError         the cache directory cannot be used
    ├── FilterError        a filter predicate is malformed (unknown column, wrong type, bad regex)
    ├── MetricError        a metric cannot be computed
    └── StoreError         the project database refused a change
        └── NotFoundError  a slice, folder or other stored object does not exist
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ZenohubError(Exception):
    """Base class of every error zenohub raises on purpose."""


class ConfigError(ZenohubError):
    """A project setting is missing, misspelled or has the wrong type."""


class DataError(ZenohubError):
    """The dataset cannot be loaded, or a column it needs is missing."""


class FunctionError(ZenohubError):
    """A decorated user function is malformed or returned a value zenohub cannot use."""


class CacheError(ZenohubError):
    """The cache directory cannot be created or written."""


class FilterError(ZenohubError):
    """A filter predicate cannot be applied to the table."""


class MetricError(ZenohubError):
    """A metric cannot be computed for the requested model, transform or subset."""


class StoreError(ZenohubError):
    """The project database refused a change."""


class NotFoundError(StoreError):
    """A stored object (slice, folder, ...) does not exist."""


class ProcessingError(ZenohubError):
    """One or more user functions failed; every other column was still computed and cached.

    ``failures`` holds one :class:`zenohub.pipeline.FunctionFailure` per failed function run.
    """

    def __init__(self, failures: list, report: object | None = None) -> None:
        self.failures = failures
        self.report = report
        lines = [f"{len(failures)} function run(s) failed; other columns were computed and cached."]
        lines += [str(f) for f in failures]
        super().__init__("\n\n".join(lines))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
