"""The filter data model: predicates, groups, their values, JSON and human-readable text."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, overload

import numpy as np
import pandas as pd

from ..errors import FilterError, did_you_mean

#: every op a predicate may use, in the order a UI should list them
OPS: tuple[str, ...] = (
    "==", "!=", "in", "not in", "<", "<=", ">", ">=", "between",
    "contains", "startswith", "endswith", "regex", "is null", "not null",
)  # fmt: skip
EQUALITY_OPS = frozenset({"==", "!=", "in", "not in"})
ORDER_OPS = frozenset({"<", "<=", ">", ">=", "between"})
TEXT_OPS = frozenset({"contains", "startswith", "endswith", "regex"})
NULL_OPS = frozenset({"is null", "not null"})
SET_OPS = frozenset({"in", "not in"})
_FLAGS = ("case_sensitive", "whole_word", "negate")
_SEQUENCES = (list, tuple, set, frozenset, np.ndarray, pd.Index, pd.Series)


@dataclass(frozen=True)
class Predicate:
    """One condition on one column, e.g. ``Predicate("label", "in", (3, 5))``.

    Construction checks what does not need the table: a known op, the value's shape (two values
    for ``between``, a list for ``in``), text for text ops and a valid regex.
    """

    column: str
    op: str
    value: Any = None
    case_sensitive: bool = False
    whole_word: bool = False
    negate: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise FilterError(f"A predicate needs a column name, got {self.column!r}.")
        op = " ".join(str(self.op).lower().split())
        if op not in OPS:
            raise FilterError(
                f"Unknown filter op {self.op!r}{did_you_mean(op, OPS)} on column "
                f"'{self.column}'; the ops are: {', '.join(OPS)}."
            )
        object.__setattr__(self, "op", op)
        for flag in _FLAGS:
            if not isinstance(getattr(self, flag), bool | np.bool_):
                raise FilterError(f"{flag} must be true or false, got {getattr(self, flag)!r}.")
            object.__setattr__(self, flag, bool(getattr(self, flag)))
        if self.whole_word and op not in TEXT_OPS:
            raise FilterError(
                f"whole_word only applies to the text ops (contains, startswith, endswith, "
                f"regex), not to '{self.column} {op}'."
            )
        object.__setattr__(self, "value", _normalize_value(self.column, op, self.value))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; flags are written only when set."""
        d: dict[str, Any] = {"column": self.column, "op": self.op}
        if self.value is not None:
            d["value"] = _to_json(self.value)
        d.update({flag: True for flag in _FLAGS if getattr(self, flag)})
        return d


@dataclass(frozen=True)
class FilterGroup:
    """Predicates and groups joined by ``"and"`` or ``"or"``; empty means no constraint."""

    combine: str = "and"
    items: tuple[Predicate | FilterGroup, ...] = ()

    def __post_init__(self) -> None:
        combine = str(self.combine).strip().lower()
        if combine not in ("and", "or"):
            raise FilterError(f"A filter group combines with 'and' or 'or', got {self.combine!r}.")
        if not isinstance(self.items, _SEQUENCES):
            raise FilterError(f"A filter group's items must be a list, got {self.items!r}.")
        items = tuple(self.items)
        for item in items:
            if not isinstance(item, Predicate | FilterGroup):
                raise FilterError(
                    f"A filter group holds predicates and groups, got {type(item).__name__}."
                )
        object.__setattr__(self, "combine", combine)
        object.__setattr__(self, "items", items)

    @classmethod
    def all_of(cls, *items: Predicate | FilterGroup) -> FilterGroup:
        """``items[0] AND items[1] AND ...``"""
        return cls("and", items)

    @classmethod
    def any_of(cls, *items: Predicate | FilterGroup) -> FilterGroup:
        """``items[0] OR items[1] OR ...``"""
        return cls("or", items)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict ``{"combine": ..., "items": [...]}``."""
        return {"combine": self.combine, "items": [item.to_dict() for item in self.items]}


Filter: TypeAlias = Predicate | FilterGroup


# -- values -------------------------------------------------------------------------------------


def _scalar(column: str, op: str, v: Any) -> Any:
    """A plain Python scalar (numpy scalars unwrapped), refusing missing values."""
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    elif isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        raise FilterError(
            f"'{column} {op}' needs a value, got {v!r}; use 'is null' to find missing values."
        )
    if not isinstance(v, str | bool | int | float | dt.date):
        raise FilterError(
            f"'{column} {op}' compares with text, numbers, booleans or datetimes, "
            f"got {v!r} ({type(v).__name__})."
        )
    return v


def _normalize_value(column: str, op: str, value: Any) -> Any:
    """Check the value's shape for ``op`` and make it hashable and plain."""
    if op in NULL_OPS:
        return None
    if op == "between":
        if not isinstance(value, _SEQUENCES) or len(value) != 2:
            raise FilterError(f"'{column} between' needs two values (low, high), got {value!r}.")
        lo, hi = (_scalar(column, op, v) for v in value)
        if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
            raise FilterError(f"'{column} between' needs low <= high, got ({lo!r}, {hi!r}).")
        return (lo, hi)
    if op in SET_OPS:
        if not isinstance(value, _SEQUENCES):
            raise FilterError(
                f"'{column} {op}' needs a list of values, got the single value {value!r}; "
                f"use '==' or wrap it in a list."
            )
        values = [_scalar(column, op, v) for v in value]
        if isinstance(value, set | frozenset):
            values.sort(key=lambda v: (type(v).__name__, v))
        return tuple(values)
    if isinstance(value, _SEQUENCES):
        raise FilterError(
            f"'{column} {op}' compares with one value, got {value!r}; use 'in' for a list."
        )
    value = _scalar(column, op, value)
    if op in TEXT_OPS:
        if not isinstance(value, str):
            raise FilterError(
                f"'{column} {op}' needs text, got {value!r} ({type(value).__name__})."
            )
        if op == "regex":
            try:
                re.compile(value)
            except re.error as exc:
                raise FilterError(
                    f"Invalid regex {value!r} for column '{column}': {exc}."
                ) from None
    return value


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _format_value(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


# -- JSON ---------------------------------------------------------------------------------------

_PREDICATE_KEYS: tuple[str, ...] = ("column", "op", "value", *_FLAGS)
_GROUP_KEYS: tuple[str, ...] = ("combine", "items")


@overload
def filter_from_dict(d: None) -> None: ...
@overload
def filter_from_dict(d: Mapping[str, Any]) -> Filter: ...
def filter_from_dict(d: Mapping[str, Any] | None) -> Filter | None:
    """Rebuild a filter from :meth:`Predicate.to_dict` / :meth:`FilterGroup.to_dict` output."""
    return None if d is None else _from_dict(d, "filter")


def _from_dict(d: Any, where: str) -> Filter:
    if not isinstance(d, Mapping):
        raise FilterError(f"{where} must be a dict, got {type(d).__name__} {d!r}.")
    if "combine" in d or "items" in d:
        keys, required = _GROUP_KEYS, _GROUP_KEYS
    elif "column" in d or "op" in d:
        keys, required = _PREDICATE_KEYS, ("column", "op")
    else:
        raise FilterError(
            f"{where} must have 'column' and 'op' (a predicate) or 'combine' and 'items' "
            f"(a group); got keys {sorted(map(str, d))}."
        )
    for key in d:
        if key not in keys:
            raise FilterError(
                f"{where} has unknown key {key!r}{did_you_mean(str(key), keys)}; "
                f"allowed keys: {', '.join(keys)}."
            )
    missing = [key for key in required if key not in d]
    if missing:
        raise FilterError(f"{where} is missing {', '.join(map(repr, missing))}.")
    if keys is _PREDICATE_KEYS:
        return _build(where, Predicate, **d)
    if not isinstance(d["items"], list | tuple):
        raise FilterError(f"{where}.items must be a list, got {d['items']!r}.")
    items = tuple(_from_dict(item, f"{where}.items[{i}]") for i, item in enumerate(d["items"]))
    return _build(where, FilterGroup, d["combine"], items)


def _build(where: str, cls: Callable[..., Filter], *args: Any, **kwargs: Any) -> Filter:
    """``cls(*args, **kwargs)`` with errors prefixed by where in the dict they come from."""
    try:
        return cls(*args, **kwargs)
    except FilterError as exc:
        raise FilterError(f"{where}: {exc}") from None


# -- text ---------------------------------------------------------------------------------------


def describe_filter(flt: Filter | None) -> str:
    """Short human text such as ``brightness between 0.1 and 0.4 AND label in {3, 5}``.

    Used for chips and default slice names; no filter reads ``all instances``.
    """
    return (_describe(flt, top=True) if flt is not None else "") or "all instances"


def _describe(flt: Filter, top: bool = False) -> str:
    if isinstance(flt, Predicate):
        return _describe_predicate(flt)
    parts = [text for text in (_describe(item) for item in flt.items) if text]
    joined = f" {flt.combine.upper()} ".join(parts)
    return joined if top or len(parts) < 2 else f"({joined})"


def _describe_predicate(p: Predicate) -> str:
    if p.op in NULL_OPS:
        text = f"{p.column} {p.op}"
    elif p.op == "between":
        text = f"{p.column} between {_format_value(p.value[0])} and {_format_value(p.value[1])}"
    elif p.op in SET_OPS:
        text = f"{p.column} {p.op} {{{', '.join(map(_format_value, p.value))}}}"
    else:
        text = f"{p.column} {p.op} {_format_value(p.value)}"
    flags = ["case-sensitive"] if p.case_sensitive and p.op in TEXT_OPS else []
    flags += ["whole word"] if p.whole_word else []
    if flags:
        text += f" ({', '.join(flags)})"
    return f"NOT {text}" if p.negate else text
