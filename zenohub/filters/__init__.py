"""Structured filters: predicate trees compiled to boolean numpy masks (never query strings).

A filter is a :class:`Predicate` (``brightness between (0.1, 0.4)``) or a :class:`FilterGroup`
joining predicates and groups with AND / OR. Filters are frozen data: they round-trip through JSON
(``to_dict`` / :func:`filter_from_dict`), read as text (:func:`describe_filter`) and compile
against a table into one vectorised mask (:func:`compile_filter`)::

    flt = FilterGroup.all_of(
        Predicate("brightness", "between", (0.1, 0.4)),
        Predicate("caption", "contains", "dog", whole_word=True),
    )
    mask = compile_filter(flt, table, types)  # numpy bool array, len(table)

Semantics
---------
* Missing values (NaN, None, NaT, ``pd.NA``) never match a comparison or text predicate -- ``!=``
  and ``not in`` included; only ``is null`` matches them.
* ``negate=True`` is the logical NOT of the predicate's mask, so a negated predicate *does* match
  missing values: negated ``label == 3`` keeps rows whose label is missing, ``label != 3`` drops
  them.
* An empty group places no constraint: alone it matches every row, inside a parent it is skipped
  (``a OR ()`` is ``a``), so removing the last chip of any group means "no filter". ``None`` as a
  filter matches every row too.
* ``case_sensitive`` and ``whole_word`` apply to the text ops (``contains``, ``startswith``,
  ``endswith``, ``regex``); text search ignores case unless ``case_sensitive``. ``==`` and ``in``
  always compare exactly. A whole word is bounded by ``\\b`` on each side where the searched text
  starts / ends with a word character (so ``#tag`` still matches in ``"a #tag here"``).
* ``regex`` is Python :mod:`re` syntax and matches anywhere in a value (``re.search``).
* ``between`` includes both ends.
* Datetimes go to JSON as ISO-8601 strings and a string is parsed when compared with a datetime
  column, so a round-tripped filter selects the same rows. A naive value against a tz-aware
  column is taken in the column's timezone; an aware value against a naive column is converted
  to UTC.

Which ops a column allows depends on its :class:`~zenohub.columns.ColumnType`
(:func:`allowed_ops`): order (``<``, ``between``) on numbers and datetimes, text ops on text and
on nominal text, only ``==``/``in`` on booleans. Category columns are evaluated on their
categories and gathered through the codes, so a million-row nominal column costs one numpy take.
"""

from ._compile import allowed_ops, compile_filter, validate_filter
from ._edit import (
    add_at,
    item_at,
    parse_value,
    path_label,
    remove_at,
    set_combine_at,
    tree_items,
    value_kind,
)
from ._model import OPS, Filter, FilterGroup, Predicate, describe_filter, filter_from_dict

__all__ = [
    "OPS",
    "Filter",
    "FilterGroup",
    "Predicate",
    "add_at",
    "allowed_ops",
    "compile_filter",
    "describe_filter",
    "filter_from_dict",
    "item_at",
    "parse_value",
    "path_label",
    "remove_at",
    "set_combine_at",
    "tree_items",
    "validate_filter",
    "value_kind",
]
