"""Loading the dataset and user functions a project config points to."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .api import FunctionKind, FunctionSpec, function_spec
from .errors import ConfigError, DataError, FunctionError, did_you_mean

log = logging.getLogger(__name__)

READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    ".csv": lambda p: pd.read_csv(p),
    ".tsv": lambda p: pd.read_csv(p, sep="\t"),
    ".parquet": lambda p: pd.read_parquet(p),
    ".pq": lambda p: pd.read_parquet(p),
    ".jsonl": lambda p: pd.read_json(p, lines=True),
    ".ndjson": lambda p: pd.read_json(p, lines=True),
    ".json": lambda p: pd.read_json(p),
}


def read_dataset(path: str | Path) -> pd.DataFrame:
    """Read a CSV / TSV / Parquet / JSONL / JSON dataset file."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DataError(
            f"Cannot read {path}: unsupported file type '{path.suffix}'. "
            f"Use one of {', '.join(READERS)}."
        )
    if not path.exists():
        raise DataError(f"Dataset file {path} does not exist (key 'metadata').")
    try:
        return reader(path)
    except Exception as exc:  # any parser error
        raise DataError(f"Cannot read dataset {path}: {exc}") from exc


def import_file(path: Path) -> types.ModuleType:
    """Import a user's .py file as a module of its own (no sys.path or cwd changes)."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"zenohub_user_{digest}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot import functions file {path}.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise FunctionError(f"Importing {path} failed: {type(exc).__name__}: {exc}") from exc
    return module


def _python_files(entry: str) -> list[Path]:
    p = Path(entry)
    if p.is_dir():
        return sorted(f for f in p.glob("*.py") if not f.name.startswith("_"))
    if p.suffix == ".py" and p.exists():
        return [p]
    raise ConfigError(
        f"Functions path {p} is neither a folder nor an existing .py file (key 'functions')."
    )


def collect_functions(functions: str | list[Any] | None) -> list[tuple[Any, FunctionSpec]]:
    """Decorated functions found in the configured files / folders (or given directly)."""
    entries = functions if isinstance(functions, list) else ([functions] if functions else [])
    found: list[tuple[Any, FunctionSpec]] = []
    for entry in entries:
        if callable(entry):
            spec = function_spec(entry)
            if spec is None:
                raise FunctionError(
                    f"{entry!r} is not decorated with @model, @distill, @metric or @transform."
                )
            found.append((entry, spec))
            continue
        for file in _python_files(entry):
            module = import_file(file)
            for value in vars(module).values():
                spec = function_spec(value)
                if spec is not None and getattr(value, "__module__", None) == module.__name__:
                    found.append((value, spec))
    unique: list[tuple[Any, FunctionSpec]] = []
    for fn, spec in found:  # the same function given twice (or found twice) counts once
        if not any(fn is f for f, _ in unique):
            unique.append((fn, spec))
    found = unique
    names: dict[tuple[FunctionKind, str], Any] = {}
    for fn, spec in found:
        if (spec.kind, spec.name) in names and names[(spec.kind, spec.name)] is not fn:
            raise FunctionError(
                f"Two {spec.kind.value} functions are named '{spec.name}'; "
                "rename one (or pass name=... to the decorator)."
            )
        names[(spec.kind, spec.name)] = fn
    return found


def call_loader(loader: str | Callable[..., pd.DataFrame], output_path: Path) -> pd.DataFrame:
    """Build the dataset with a ``"file.py:function"`` loader (or a callable)."""
    if callable(loader):
        fn = loader
    else:
        file, _, func = loader.rpartition(":")
        module = import_file(Path(file)) if Path(file).exists() else None
        if module is None:
            raise ConfigError(f"Loader file {file} does not exist (key 'loader').")
        if not hasattr(module, func):
            names = [n for n, v in vars(module).items() if callable(v) and not n.startswith("_")]
            raise ConfigError(
                f"Loader file {file} has no function '{func}'"
                f"{did_you_mean(func, names)} (key 'loader')."
            )
        fn = getattr(module, func)
    output_path.mkdir(parents=True, exist_ok=True)
    try:
        df = fn(str(output_path))
    except Exception as exc:
        raise DataError(
            f"The dataset loader {loader!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"The dataset loader {loader!r} must return a DataFrame, got {type(df).__name__}."
        )
    return df


def prepare_table(
    df: pd.DataFrame,
    id_column: str,
    data_column: str,
    label_column: str,
    samples: int,
    seed: int,
    source: str,
) -> tuple[pd.DataFrame, str]:
    """Check the dataset's columns, settle the id column, sample; returns (table, id_column)."""
    cols = [str(c) for c in df.columns]
    df = df.copy()
    df.columns = cols
    for key, col in (
        ("data_column", data_column),
        ("label_column", label_column),
        ("id_column", id_column),
    ):
        if col and col not in cols:
            raise DataError(
                f"{source}: {key} '{col}' is not a column of the dataset"
                f"{did_you_mean(col, cols)}. Columns: {', '.join(cols)}."
            )
    if not id_column:
        if "id" in cols and df["id"].notna().all() and df["id"].is_unique:
            id_column = "id"
        elif data_column and df[data_column].is_unique:
            id_column = data_column
        else:
            id_column = "id"
            if "id" in cols:
                raise DataError(
                    f"{source}: the dataset's 'id' column is not a unique id and id_column is "
                    "not set; set id_column to a column of unique values."
                )
            df.insert(0, "id", [str(i) for i in range(len(df))])
    ids = df[id_column]
    if ids.isna().any():
        raise DataError(
            f"{source}: id column '{id_column}' has {int(ids.isna().sum())} missing "
            "values; every instance needs an id."
        )
    as_str = ids.astype(str)
    if not as_str.is_unique:
        dupes = as_str[as_str.duplicated()].unique()[:5]
        raise DataError(
            f"{source}: id column '{id_column}' has duplicate ids, e.g. "
            f"{', '.join(map(repr, dupes))}. Ids must be unique."
        )
    if samples and samples < len(df):
        df = df.sample(n=samples, random_state=seed).sort_index()
    return df.reset_index(drop=True), id_column
