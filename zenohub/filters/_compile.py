"""Compiling a filter against a table into one boolean numpy mask, after checking all of it."""

from __future__ import annotations

import contextlib
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ..columns import ColumnType, infer_column_type
from ..errors import FilterError, did_you_mean
from ._model import (
    EQUALITY_OPS,
    NULL_OPS,
    OPS,
    ORDER_OPS,
    SET_OPS,
    TEXT_OPS,
    Filter,
    FilterGroup,
    Predicate,
    _describe_predicate,
)

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
_NOUNS = {"number": "numbers", "bool": "true/false values", "text": "text", "datetime": "datetimes"}
#: how many column names an unknown-column error lists
_SHOW_COLUMNS = 12


def _value_kind(series: pd.Series) -> str:
    """What a column's values are: 'number', 'text', 'bool', 'datetime' or 'other'."""
    values: Any = series.cat.categories if isinstance(series.dtype, pd.CategoricalDtype) else series
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if dtype != np.dtype(object) and pd.api.types.is_string_dtype(dtype):
        return "text"
    kind = pd.api.types.infer_dtype(values, skipna=True)
    return {
        "string": "text", "empty": "other", "boolean": "bool", "integer": "number",
        "floating": "number", "mixed-integer-float": "number", "decimal": "number",
        "datetime": "datetime", "datetime64": "datetime",
    }.get(kind, "other")  # fmt: skip


def _infer_type(series: pd.Series) -> ColumnType:
    """A permissive column type from the dtype alone (no pass over the values when possible)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return ColumnType.NOMINAL
    kind = _value_kind(series)
    if kind == "other":
        return infer_column_type(series)
    return {
        "bool": ColumnType.BOOLEAN, "number": ColumnType.CONTINUOUS,
        "datetime": ColumnType.DATETIME, "text": ColumnType.TEXT,
    }[kind]  # fmt: skip


def allowed_ops(column: pd.Series, ctype: ColumnType | None = None) -> tuple[str, ...]:
    """The ops a predicate on ``column`` may use, in :data:`OPS` order (for an op dropdown)."""
    ctype = _infer_type(column) if ctype is None else ColumnType(ctype)
    if ctype in (ColumnType.CONTINUOUS, ColumnType.DATETIME):
        ops = EQUALITY_OPS | ORDER_OPS
    elif ctype is ColumnType.BOOLEAN:
        ops = EQUALITY_OPS
    elif ctype is ColumnType.NOMINAL:
        kind = _value_kind(column)
        ops = EQUALITY_OPS | (ORDER_OPS if kind in ("number", "datetime") else frozenset())
        ops |= TEXT_OPS if kind == "text" else frozenset()
    elif ctype is ColumnType.TEXT:
        ops = EQUALITY_OPS | TEXT_OPS
    else:
        ops = frozenset()
    return tuple(op for op in OPS if op in ops | NULL_OPS)


# -- planning: every check, no computation ------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """A predicate checked against its column, its value converted to what the column holds."""

    predicate: Predicate
    series: pd.Series
    value: Any


@dataclass(frozen=True)
class _PreparedGroup:
    combine: str
    items: tuple[_Plan, ...]


_Plan: TypeAlias = "_Prepared | _PreparedGroup"


def validate_filter(
    flt: Filter | None, table: pd.DataFrame, types: Mapping[str, ColumnType] | None = None
) -> None:
    """Raise :class:`FilterError` if ``flt`` cannot be applied to ``table``; compute nothing."""
    if flt is not None:
        _plan(flt, table, types or {})


def compile_filter(
    flt: Filter | None, table: pd.DataFrame, types: Mapping[str, ColumnType] | None = None
) -> np.ndarray:
    """The rows of ``table`` that ``flt`` selects, as a boolean array of ``len(table)``.

    ``types`` gives column types (as the project infers them); a column missing from it gets a
    permissive type from its dtype. The whole tree is checked before any mask is computed.
    """
    mask = None if flt is None else _run(_plan(flt, table, types or {}))
    return np.ones(len(table), dtype=bool) if mask is None else mask


def _plan(flt: Any, table: pd.DataFrame, types: Mapping[str, ColumnType]) -> _Plan:
    if isinstance(flt, FilterGroup):
        return _PreparedGroup(flt.combine, tuple(_plan(item, table, types) for item in flt.items))
    if not isinstance(flt, Predicate):
        hint = "; build it with filter_from_dict()" if isinstance(flt, Mapping) else ""
        raise FilterError(f"Expected a Predicate or FilterGroup, got {type(flt).__name__}{hint}.")
    if flt.column not in table.columns:
        names = [str(c) for c in table.columns]
        shown = ", ".join(names[:_SHOW_COLUMNS]) + (", ..." if len(names) > _SHOW_COLUMNS else "")
        raise FilterError(
            f"Unknown column '{flt.column}'{did_you_mean(flt.column, names)}; "
            f"the table has: {shown}."
        )
    series = table[flt.column]
    if isinstance(series, pd.DataFrame):
        raise FilterError(f"The table has several columns named '{flt.column}'.")
    ctype = ColumnType(types[flt.column]) if flt.column in types else _infer_type(series)
    ops = allowed_ops(series, ctype)
    if flt.op not in ops:
        raise FilterError(
            f"Op '{flt.op}' is not allowed on {ctype.value} column '{flt.column}'; "
            f"allowed ops: {', '.join(ops)}."
        )
    return _Prepared(flt, series, _convert_value(flt, series, ctype))


def _convert_value(p: Predicate, series: pd.Series, ctype: ColumnType) -> Any:
    """Check the predicate's value(s) against what the column holds; parse datetimes."""
    if p.op in NULL_OPS or p.op in TEXT_OPS:
        return p.value
    expected = {
        ColumnType.CONTINUOUS: "number", ColumnType.BOOLEAN: "bool",
        ColumnType.DATETIME: "datetime", ColumnType.TEXT: "text",
    }.get(ctype) or _value_kind(series)  # fmt: skip

    def convert(v: Any) -> Any:
        if expected == "datetime":
            return _timestamp(v, series, p)
        ok = {
            "number": isinstance(v, int | float) and not isinstance(v, bool),
            "bool": isinstance(v, bool),
            "text": isinstance(v, str),
        }.get(expected, True)
        if not ok:
            raise FilterError(
                f"Column '{p.column}' holds {_NOUNS[expected]}; '{p.column} {p.op}' cannot "
                f"compare it with {v!r} ({type(v).__name__})."
            )
        return v

    return tuple(map(convert, p.value)) if isinstance(p.value, tuple) else convert(p.value)


def _timestamp(v: Any, series: pd.Series, p: Predicate) -> pd.Timestamp:
    """``v`` as a Timestamp in the column's timezone (or naive UTC for a naive column)."""
    ts = None
    if not isinstance(v, bool | int | float):
        with contextlib.suppress(ValueError, TypeError):
            ts = pd.Timestamp(v)
    if ts is None or ts is pd.NaT:
        raise FilterError(
            f"Column '{p.column}' holds datetimes; '{p.column} {p.op}' cannot read {v!r} as a "
            f"date/time (use an ISO-8601 string such as '2024-05-31T12:00')."
        )
    dtype = series.cat.categories.dtype if isinstance(series.dtype, pd.CategoricalDtype) else None
    tz = getattr(dtype or series.dtype, "tz", None)
    if tz is not None and ts.tzinfo is None:
        return ts.tz_localize(tz)
    if tz is None and ts.tzinfo is not None:
        return ts.tz_convert("UTC").tz_localize(None)
    return ts


# -- evaluation: vectorised ---------------------------------------------------------------------


def _run(node: _Plan) -> np.ndarray | None:
    """The node's mask, or None for a group that places no constraint."""
    if isinstance(node, _Prepared):
        return _mask(node)
    masks = [mask for mask in map(_run, node.items) if mask is not None]
    if not masks:
        return None
    out = masks[0]
    combine = np.logical_and if node.combine == "and" else np.logical_or
    for mask in masks[1:]:
        combine(out, mask, out=out)
    return out


def _mask(prep: _Prepared) -> np.ndarray:
    p, s = prep.predicate, prep.series
    try:
        if p.op in NULL_OPS:
            mask = s.isna().to_numpy(dtype=bool)
            mask = mask if p.op == "is null" else ~mask
        elif isinstance(s.dtype, pd.CategoricalDtype):
            # evaluate on the few categories, then gather through the codes (-1, missing, -> False)
            on_categories = _match(pd.Series(s.cat.categories), p, prep.value)
            mask = np.append(on_categories, False)[s.cat.codes.to_numpy()]
        else:
            mask = _match(s, p, prep.value) & s.notna().to_numpy(dtype=bool)
    except (TypeError, ValueError, AttributeError) as exc:
        raise FilterError(
            f"Cannot apply '{_describe_predicate(p)}' to column '{p.column}' "
            f"(dtype {s.dtype}): {exc}"
        ) from None
    return ~mask if p.negate else mask


def _match(s: pd.Series, p: Predicate, value: Any) -> np.ndarray:
    """The raw comparison (missing values not yet excluded) as a numpy bool array."""
    if p.op in TEXT_OPS:
        result = _text_match(s, p)
    elif p.op == "between":
        result = (s >= value[0]) & (s <= value[1])
    elif p.op in SET_OPS:
        result = s.isin(list(value))
        result = ~result if p.op == "not in" else result
    else:
        result = _COMPARE[p.op](s, value)
    return np.asarray(result.to_numpy(dtype=bool, na_value=False))


def _text_match(s: pd.Series, p: Predicate) -> pd.Series:
    """Text ops with pandas' vectorised ``.str`` methods (pyarrow compute where it can)."""
    op, value, case = p.op, p.value, p.case_sensitive
    if op == "contains" and not p.whole_word:
        return s.str.contains(value, case=case, regex=False, na=False)
    if op in ("startswith", "endswith") and case and not p.whole_word:
        return getattr(s.str, op)(value, na=False)
    pattern = value if op == "regex" else re.escape(value)
    if p.whole_word:
        # a literal only gets a boundary on a side where it starts / ends with a word character
        left = op == "regex" or re.match(r"\w", value[:1]) is not None
        right = op == "regex" or re.match(r"\w", value[-1:]) is not None
        pattern = _wrap(pattern, r"\b" if left else "", r"\b" if right else "")
    if op == "startswith":
        pattern = _wrap(pattern, "^", "")
    elif op == "endswith":
        pattern = _wrap(pattern, "", r"\Z")
    if re.compile(pattern).groups:
        # str.contains warns about capture groups; match() behind a lazy prefix searches too
        return s.str.match(_wrap(pattern, "(?s:.*?)", ""), case=case, na=False)
    return s.str.contains(pattern, case=case, regex=True, na=False)


_GLOBAL_FLAGS = re.compile(r"^(?:\(\?[aiLmsux]+\))+")


def _wrap(pattern: str, before: str, after: str) -> str:
    """``before(?:pattern)after``, keeping leading global flags such as ``(?i)`` in front."""
    flags = _GLOBAL_FLAGS.match(pattern)
    head = flags.group() if flags else ""
    return f"{head}{before}(?:{pattern[len(head) :]}){after}"
