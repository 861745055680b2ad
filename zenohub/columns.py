"""Column identity and column types.

Every column of the instance table is named by an explicit :class:`ColumnRef`; :func:`column_key`
is the one function that turns a reference into the string used as table column name and cache
key, and :func:`parse_column_key` turns it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from .errors import ConfigError


class ColumnKind(StrEnum):
    """Where a column comes from."""

    METADATA = "metadata"  #: a column of the dataset file
    DATA = "data"  #: the raw data column of transformed instances
    OUTPUT = "output"  #: a model's output
    EMBEDDING = "embedding"  #: a model's embedding (kept beside the table, see Project.embedding)
    DISTILL = "distill"  #: a @distill function's result
    OTHER = "other"  #: a model's other_returns entry


class ColumnType(StrEnum):
    """How a column is filtered and drawn."""

    CONTINUOUS = "continuous"
    NOMINAL = "nominal"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    EMBEDDING = "embedding"


_NAME_RE = re.compile(r"^[^@~:]+$")


@dataclass(frozen=True, order=True)
class ColumnRef:
    """Explicit identity of a column: kind, name and, where relevant, model and transform."""

    kind: ColumnKind
    name: str
    model: str | None = None
    transform: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ColumnKind(self.kind))
        for label, value in (
            ("name", self.name),
            ("model", self.model),
            ("transform", self.transform),
        ):
            if value is not None and not _NAME_RE.match(value):
                raise ConfigError(
                    f"Column {label} {value!r} may not be empty or contain '@', '~' or ':'."
                )

    @property
    def key(self) -> str:
        return column_key(self)

    def __str__(self) -> str:
        return column_key(self)


def column_key(ref: ColumnRef) -> str:
    """The table column name and cache key of ``ref``.

    Metadata columns keep their own name; computed ones read ``kind:name[@model][~transform]``,
    e.g. ``distill:correct@mlp-v2~noise``.
    """
    if ref.kind is ColumnKind.METADATA and ref.model is None and ref.transform is None:
        return ref.name
    key = f"{ref.kind.value}:{ref.name}"
    if ref.model is not None:
        key += f"@{ref.model}"
    if ref.transform is not None:
        key += f"~{ref.transform}"
    return key


_KEY_RE = re.compile(
    r"^(?P<kind>[a-z]+):(?P<name>[^@~:]+)(?:@(?P<model>[^@~:]+))?(?:~(?P<transform>[^@~:]+))?$"
)


def parse_column_key(key: str) -> ColumnRef:
    """Inverse of :func:`column_key`."""
    m = _KEY_RE.match(key)
    if m and m["kind"] in ColumnKind._value2member_map_:
        return ColumnRef(ColumnKind(m["kind"]), m["name"], m["model"], m["transform"])
    return ColumnRef(ColumnKind.METADATA, key)


#: at most this many distinct values make a numeric integer column nominal
MAX_NOMINAL_NUMERIC = 20
#: at most this many distinct values make a text column nominal
MAX_NOMINAL_TEXT = 100


def infer_column_type(values: pd.Series) -> ColumnType:
    """Infer how a column should be filtered: continuous, nominal, boolean, datetime or text."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnType.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnType.DATETIME
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnType.NOMINAL
    non_null = values.dropna()
    if pd.api.types.is_numeric_dtype(dtype):
        if pd.api.types.is_integer_dtype(dtype) and non_null.nunique() <= MAX_NOMINAL_NUMERIC:
            return ColumnType.NOMINAL
        return ColumnType.CONTINUOUS
    if pd.api.types.is_object_dtype(dtype) and len(non_null):
        kinds = non_null.map(type)
        if kinds.isin([bool, np.bool_]).all():
            return ColumnType.BOOLEAN
        if kinds.map(lambda t: issubclass(t, np.ndarray | list)).all():
            return ColumnType.EMBEDDING
        non_null = non_null.astype(str)
    head = non_null.iloc[:5000]  # a high-cardinality column shows itself early: skip the rest
    if head.nunique() > MAX_NOMINAL_TEXT:
        return ColumnType.TEXT
    n_unique = non_null.nunique()
    if n_unique <= MAX_NOMINAL_TEXT and n_unique <= max(2, len(non_null) // 2):
        return ColumnType.NOMINAL
    return ColumnType.TEXT


def coerce_column(values: pd.Series, ctype: ColumnType) -> pd.Series:
    """Give ``values`` the dtype its type needs downstream.

    Nominal text becomes ``category`` (pandas 3 infers a string dtype that datashader and
    HoloViews do not aggregate on); booleans with missing values become the nullable ``boolean``.
    """
    if ctype is ColumnType.NOMINAL and not pd.api.types.is_numeric_dtype(values.dtype):
        if isinstance(values.dtype, pd.CategoricalDtype):
            return values
        return values.astype("category")
    if ctype is ColumnType.BOOLEAN and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    if ctype is ColumnType.DATETIME and not pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.to_datetime(values, errors="coerce")
    if ctype is ColumnType.CONTINUOUS and not pd.api.types.is_numeric_dtype(values.dtype):
        return pd.to_numeric(values, errors="coerce")
    if ctype is ColumnType.TEXT and isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("string")
    return values


@dataclass(frozen=True)
class ColumnInfo:
    """A table column: its reference, its type and a human-readable label."""

    ref: ColumnRef
    ctype: ColumnType

    @property
    def key(self) -> str:
        return self.ref.key

    @property
    def label(self) -> str:
        parts = [self.ref.name]
        if self.ref.model:
            parts.append(f"({self.ref.model})")
        if self.ref.transform:
            parts.append(f"[{self.ref.transform}]")
        return " ".join(parts)
