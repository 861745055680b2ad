"""Editing filter trees by path, and parsing typed values typed into a form (no Panel).

The slice builder edits an immutable :class:`FilterGroup` with these functions: a *path* is the
tuple of item indices from the root group (``()`` is the root).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..errors import FilterError
from ._model import FilterGroup, Predicate, describe_filter

Path = tuple[int, ...]


def item_at(tree: FilterGroup, path: Path) -> FilterGroup | Predicate:
    """The item of ``tree`` at ``path`` (indices from the root; ``()`` is the root)."""
    item: FilterGroup | Predicate = tree
    for i in path:
        if not isinstance(item, FilterGroup) or not 0 <= i < len(item.items):
            raise FilterError(f"The filter tree has no item at {path_label(path)}.")
        item = item.items[i]
    return item


def _replace_at(
    tree: FilterGroup, path: Path, fn: Callable[[FilterGroup | Predicate], Any]
) -> FilterGroup:
    """``tree`` with the item at ``path`` replaced by ``fn(item)`` (None removes it)."""
    if not path:
        new = fn(tree)
        if not isinstance(new, FilterGroup):
            raise FilterError("The root of the filter tree is a group and cannot be removed.")
        return new
    item_at(tree, path)  # raises on a bad path
    head, rest = path[0], path[1:]
    child = tree.items[head]
    if rest:
        assert isinstance(child, FilterGroup)
        replaced: Any = _replace_at(child, rest, fn)
    else:
        replaced = fn(child)
    items = list(tree.items)
    if replaced is None:
        del items[head]
    else:
        items[head] = replaced
    return FilterGroup(tree.combine, tuple(items))


def add_at(tree: FilterGroup, path: Path, item: FilterGroup | Predicate) -> FilterGroup:
    """``tree`` with ``item`` appended to the group at ``path``."""

    def add(group: FilterGroup | Predicate) -> FilterGroup:
        if not isinstance(group, FilterGroup):
            raise FilterError(f"Item {path_label(path)} is a condition, not a group.")
        return FilterGroup(group.combine, (*group.items, item))

    return _replace_at(tree, path, add)


def remove_at(tree: FilterGroup, path: Path) -> FilterGroup:
    """``tree`` without the item at ``path`` (the root cannot be removed)."""
    return _replace_at(tree, path, lambda _item: None)


def set_combine_at(tree: FilterGroup, path: Path, combine: str) -> FilterGroup:
    """``tree`` with the group at ``path`` joining its items with ``combine`` ("and" / "or")."""

    def change(group: FilterGroup | Predicate) -> FilterGroup:
        if not isinstance(group, FilterGroup):
            raise FilterError(f"Item {path_label(path)} is a condition, not a group.")
        return FilterGroup(combine, group.items)

    return _replace_at(tree, path, change)


def path_label(path: Path) -> str:
    """``()`` -> "root", ``(0, 2)`` -> "1.3" (1-based, as a person counts)."""
    return ".".join(str(i + 1) for i in path) or "root"


def tree_items(tree: FilterGroup, path: Path = ()) -> list[tuple[Path, str]]:
    """Every item of ``tree`` depth-first as (path, indented text), the root first."""
    depth = "  " * len(path)
    out = [(path, f"{depth}{path_label(path)}: {tree.combine.upper()}")]
    for i, item in enumerate(tree.items):
        sub = (*path, i)
        if isinstance(item, FilterGroup):
            out += tree_items(item, sub)
        else:
            out.append((sub, f"{depth}  {path_label(sub)}: {describe_filter(item)}"))
    return out


def value_kind(series: pd.Series) -> str:
    """How a typed value for ``series`` is read: "number", "bool", "datetime" or "text"."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


def _scalar(text: str, kind: str) -> Any:
    text = text.strip()
    if not text:
        raise FilterError("A value is missing: type one (lists are separated by commas).")
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise FilterError(f"{text!r} is not a number.") from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "bool":
        if text.lower() in ("true", "yes", "1"):
            return True
        if text.lower() in ("false", "no", "0"):
            return False
        raise FilterError(f"{text!r} is not true or false.")
    return text


def parse_value(text: str, op: str, kind: str) -> Any:
    """The value of a predicate typed as ``text``: a list for ``in``, two numbers for ``between``
    (``"1, 2"`` or ``"1 and 2"``), nothing for the null ops; FilterError says what is wrong."""
    if op in ("is null", "not null"):
        return None
    if op in ("contains", "startswith", "endswith", "regex"):
        if not text:
            raise FilterError(f"'{op}' needs some text to look for.")
        return text
    if op in ("in", "not in"):
        return [_scalar(part, kind) for part in text.split(",")]
    if op == "between":
        parts = text.replace(" and ", ",").split(",")
        if len(parts) != 2:
            raise FilterError(f"'between' needs two values, e.g. '1, 4'; got {text!r}.")
        lo, hi = (_scalar(part, kind) for part in parts)
        if kind == "number" and lo > hi:
            lo, hi = hi, lo
        return [lo, hi]
    return _scalar(text, kind)


# --- views --------------------------------------------------------------------------------------
