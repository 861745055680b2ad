"""zenohub: behavior-driven evaluation of machine-learning models."""

from ._version import __version__
from .api import (
    DistillReturn,
    MetricReturn,
    ModelReturn,
    ZenoOptions,
    distill,
    metric,
    model,
    transform,
)
from .columns import ColumnInfo, ColumnKind, ColumnRef, ColumnType
from .config import ProjectConfig, load_config
from .errors import (
    CacheError,
    ConfigError,
    DataError,
    FilterError,
    FunctionError,
    MetricError,
    ProcessingError,
    StoreError,
    ZenohubError,
)
from .project import ProcessReport, Project

__all__ = [
    "App",
    "CacheError",
    "ColumnInfo",
    "ColumnKind",
    "ColumnRef",
    "ColumnType",
    "ConfigError",
    "DataError",
    "DistillReturn",
    "FilterError",
    "FunctionError",
    "MetricError",
    "MetricReturn",
    "ModelReturn",
    "ProcessReport",
    "ProcessingError",
    "Project",
    "ProjectConfig",
    "StoreError",
    "ZenoOptions",
    "ZenohubError",
    "__version__",
    "distill",
    "load_config",
    "metric",
    "model",
    "transform",
]


def __getattr__(name: str) -> object:
    # the app imports Panel and Bokeh: load it only when asked for
    if name == "App":
        from .ui.app import App

        return App
    raise AttributeError(f"module 'zenohub' has no attribute {name!r}")
