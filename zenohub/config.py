"""Project settings: the TOML config file and ``Project(...)`` keywords share one schema.

Every key is checked: unknown keys are errors with a "did you mean", types are enforced, and
relative paths resolve against the config file's folder (never the working directory).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from .columns import ColumnType
from .errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class Key:
    """One config key: accepted Python types, default, and its documentation."""

    types: tuple[type, ...]
    default: Any
    doc: str
    zeno: bool = False  #: a key zenoml 0.6 had
    path: bool = False  #: resolved relative to the config file
    choices: tuple[str, ...] = ()


#: the schema; the README's config reference is generated from (and tested against) this table
KEYS: dict[str, Key] = {
    "metadata": Key(
        (str, pd.DataFrame),
        None,
        "Dataset file (CSV, TSV, Parquet, JSONL) or, in Python, a DataFrame.",
        zeno=True,
        path=True,
    ),
    "functions": Key(
        (str, list),
        None,
        "Folder or .py file(s) with the decorated functions (or, in Python, a list of functions).",
        zeno=True,
        path=True,
    ),
    "models": Key(
        (list,),
        [],
        "Model names; the @model function is called once per name, in "
        "this order (the order is the model history).",
        zeno=True,
    ),
    "view": Key(
        (str,),
        "",
        "How instances are shown: image-classification, text-classification, "
        "audio-transcription, tabular, ...",
        zeno=True,
    ),
    "id_column": Key(
        (str,),
        "",
        "Column of unique instance ids (default: the data column if "
        "unique, else the row number as 'id').",
        zeno=True,
    ),
    "data_column": Key((str,), "", "Column holding the raw instance (path, text, ...).", zeno=True),
    "label_column": Key((str,), "", "Column holding the ground-truth label.", zeno=True),
    "data_path": Key(
        (str,), "", "Folder the data column's relative paths start from.", zeno=True, path=True
    ),
    "label_path": Key(
        (str,),
        "",
        "Folder of label files, passed to functions as ops.label_path.",
        zeno=True,
        path=True,
    ),
    "batch_size": Key((int,), 10000, "Rows per task given to a function.", zeno=True),
    "cache_path": Key(
        (str,),
        ".zenohub_cache",
        "Folder of cached columns, generated files and the project database.",
        zeno=True,
        path=True,
    ),
    "samples": Key((int,), 0, "Use a random sample of this many rows (0 = all rows).", zeno=True),
    "port": Key((int,), 5006, "Port the app serves on.", zeno=True),
    "host": Key((str,), "127.0.0.1", "Address the app binds to.", zeno=True),
    "editable": Key((bool,), True, "Whether app users may create and edit slices.", zeno=True),
    "multiprocessing": Key(
        (bool,),
        True,
        'false runs every function in this process (same as executor = "sequential").',
        zeno=True,
    ),
    "calculate_histogram_metrics": Key(
        (bool,), True, "Shade histogram bins by the selected metric.", zeno=True
    ),
    # zenohub's own keys
    "name": Key((str,), "", "Project name shown in the app (default: the config folder's name)."),
    "description": Key((str,), "", "One-paragraph description shown in the app."),
    "loader": Key(
        (str,),
        "",
        '"file.py:function" that builds the dataset in code; called as '
        "function(output_path) and returns a DataFrame. Alternative to metadata.",
    ),
    "executor": Key(
        (str,),
        "local",
        "Where functions run: local (process pool, all cores), sequential, or dask.",
        choices=("local", "sequential", "dask"),
    ),
    "scheduler": Key(
        (str,),
        "",
        "Dask scheduler address (tcp://host:port); empty starts a "
        'LocalCluster. Implies executor = "dask".',
    ),
    "workers": Key(
        (int,), 0, "Worker processes for the local pool or LocalCluster (0 = one per core)."
    ),
    "database": Key(
        (str,),
        "",
        "SQLAlchemy URL of the project database (default: SQLite file <cache_path>/zenohub.db).",
    ),
    "seed": Key((int,), 0, "Random seed for `samples`."),
    "columns": Key(
        (dict,),
        {},
        "Table of column name -> type (continuous, nominal, boolean, "
        "datetime, text) overriding the inferred types.",
    ),
    "hub": Key((str,), "", "URL of the function hub (default: the bundled registry)."),
    "projection": Key(
        (dict,),
        {},
        "Table of embedding-map settings: umap (true: `zenohub process` computes UMAPs), "
        'n_neighbors (15), min_dist (0.1), metric ("euclidean"), seed (the project seed), '
        "pca_dims (50: PCA first above this), columns (numeric columns mapped as one more "
        "source).",
    ),
}


@dataclass
class ProjectConfig:
    """Validated project settings; paths are absolute."""

    metadata: str | pd.DataFrame | None = None
    functions: str | list[Any] | None = None
    models: list[str] = field(default_factory=list)
    view: str = ""
    id_column: str = ""
    data_column: str = ""
    label_column: str = ""
    data_path: str = ""
    label_path: str = ""
    batch_size: int = 10000
    cache_path: str = ".zenohub_cache"
    samples: int = 0
    port: int = 5006
    host: str = "127.0.0.1"
    editable: bool = True
    multiprocessing: bool = True
    calculate_histogram_metrics: bool = True
    name: str = ""
    description: str = ""
    loader: str | Callable[..., pd.DataFrame] = ""
    executor: str = "local"
    scheduler: str = ""
    workers: int = 0
    database: str = ""
    seed: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    hub: str = ""
    projection: dict[str, Any] = field(default_factory=dict)
    #: folder relative paths resolve against; the config file (or "Project(...)") for messages
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = "Project(...)"

    @property
    def effective_executor(self) -> str:
        if self.scheduler:
            return "dask"
        if not self.multiprocessing:
            return "sequential"
        return self.executor

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{Path(self.cache_path) / 'zenohub.db'}"


def _type_name(types: tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        bool: "true or false",
        list: "a list",
        dict: "a table",
        pd.DataFrame: "a DataFrame",
        float: "a number",
    }
    return " or ".join(names.get(t, t.__name__) for t in types)


def _check_type(source: str, key: str, value: Any, spec: Key) -> None:
    ok = any(
        isinstance(value, t) and not (t is int and isinstance(value, bool)) for t in spec.types
    )
    if key == "models" and ok and not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: key 'models' must be a list of strings, got {value!r}.")
    if (
        key == "functions"
        and isinstance(value, list)
        and not all(isinstance(v, str) or callable(v) for v in value)
    ):
        ok = False
    if key == "loader" and callable(value):
        ok = True
    if not ok:
        raise ConfigError(f"{source}: key '{key}' must be {_type_name(spec.types)}, got {value!r}.")
    if spec.choices and value not in spec.choices:
        raise ConfigError(
            f"{source}: key '{key}' is {value!r}; allowed values: "
            f"{', '.join(spec.choices)}{did_you_mean(str(value), spec.choices)}."
        )


def _resolve(base: Path, value: Any) -> Any:
    if isinstance(value, str) and value:
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else (base / p).resolve())
    if isinstance(value, list):
        return [_resolve(base, v) for v in value]
    return value


def build_config(
    settings: Mapping[str, Any], base_dir: Path | str | None = None, source: str = "Project(...)"
) -> ProjectConfig:
    """Validate ``settings`` (from TOML or keywords) into a :class:`ProjectConfig`."""
    base = Path(base_dir or Path.cwd()).resolve()
    values: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in KEYS:
            raise ConfigError(
                f"{source}: unknown key '{key}'{did_you_mean(key, KEYS)}. "
                f"Allowed keys: {', '.join(sorted(KEYS))}."
            )
        spec = KEYS[key]
        _check_type(source, key, value, spec)
        if spec.path:
            value = _resolve(base, value)
        values[key] = value
    if values.get("metadata") is None and not values.get("loader"):
        raise ConfigError(
            f"{source}: set 'metadata' (a dataset file) or 'loader' "
            '("file.py:function" building the dataset).'
        )
    for name, value in (("batch_size", 1), ("samples", 0), ("workers", 0), ("port", 0)):
        if name in values and values[name] < value:
            raise ConfigError(
                f"{source}: key '{name}' must be at least {value}, got {values[name]}."
            )
    allowed_types = [t.value for t in ColumnType if t is not ColumnType.EMBEDDING]
    for col, ctype in values.get("columns", {}).items():
        if ctype not in allowed_types:
            raise ConfigError(
                f"{source}: [columns] {col} = {ctype!r} is not a column type; allowed: "
                f"{', '.join(allowed_types)}{did_you_mean(str(ctype), allowed_types)}."
            )
    if isinstance(values.get("loader"), str) and values["loader"]:
        file, _, func = values["loader"].rpartition(":")
        if not file or not func:
            raise ConfigError(
                f"{source}: key 'loader' must look like \"file.py:function\", "
                f"got {values['loader']!r}."
            )
        values["loader"] = f"{_resolve(base, file)}:{func}"
    values.setdefault("cache_path", _resolve(base, KEYS["cache_path"].default))
    values.setdefault("name", base.name)
    known = {f.name for f in fields(ProjectConfig)}
    return ProjectConfig(
        **{k: v for k, v in values.items() if k in known}, base_dir=base, source=source
    )


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate a TOML project config."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "config.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    return build_config(data, path.parent.resolve(), source=str(path))
