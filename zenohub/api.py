"""The decorators and return types user functions are written with (zenoml 0.6 compatible).

A project's functions file reads exactly like a Zeno one::

    from zenohub import model, distill, metric, ModelReturn, DistillReturn, MetricReturn

    @model
    def classifier(name):
        clf = load(name)
        def predict(df, ops):
            return ModelReturn(model_output=clf.predict(...), embedding=clf.embed(...))
        return predict

    @distill
    def brightness(df, ops):
        return DistillReturn(distill_output=[...])

    @metric
    def accuracy(df, ops):
        return MetricReturn(metric=(df[ops.label_column] == df[ops.output_column]).mean())

Decorators return the function itself with a :class:`FunctionSpec` attached as ``__zenohub__``
(and zenoml's marker attributes), so functions stay picklable and their source stays readable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])


class FunctionKind(StrEnum):
    MODEL = "model"
    DISTILL = "distill"
    METRIC = "metric"
    TRANSFORM = "transform"


#: zenoml's marker attribute for each kind
ZENOML_MARKERS = {
    "predict_function": FunctionKind.MODEL,
    "inference_function": FunctionKind.MODEL,
    "distill_function": FunctionKind.DISTILL,
    "metric_function": FunctionKind.METRIC,
    "transform_function": FunctionKind.TRANSFORM,
}


@dataclass(frozen=True)
class FunctionSpec:
    """What a decorator declared about a function."""

    kind: FunctionKind
    name: str
    #: distills: True / False when declared, None to detect by watching access to the model output
    per_model: bool | None = None
    #: metrics: whether a larger value is better (drives trend and test logic)
    higher_is_better: bool = True
    #: metrics: name of a per-instance column whose mean (times ``scale`` plus ``offset``) the
    #: metric equals; None to let zenohub recognise it
    mean_of: str | None = None
    scale: float = 1.0
    offset: float = 0.0
    #: free-form description shown in the app (defaults to the docstring's first line)
    description: str = ""


@dataclass
class ZenoOptions:
    """Names and paths a user function needs, filled per model / transform as zenoml does."""

    id_column: str = "id"
    data_column: str = "data"
    label_column: str = "label"
    output_column: str = ""
    distill_columns: dict[str, str] = field(default_factory=dict)
    data_path: str = ""
    label_path: str = ""
    output_path: str = ""


@dataclass
class ModelReturn:
    """What a model's predict function returns for a batch."""

    model_output: Sequence[Any] | Any
    embedding: Sequence[Any] | Any | None = None
    other_returns: dict[str, Sequence[Any]] | None = None


@dataclass
class DistillReturn:
    """What a distill function returns for a batch."""

    distill_output: Sequence[Any] | Any


@dataclass
class MetricReturn:
    """What a metric function returns for a subset."""

    metric: float | None
    variance: float | None = None


def _name(fn: Any, name: str | None, kind: FunctionKind) -> str:
    """The function's name in the project; checks that a function is being decorated."""
    if not callable(fn):
        raise TypeError(f"@{kind.value} must decorate a function, got {fn!r}")
    return name or fn.__name__


def _mark(fn: F, spec: FunctionSpec, marker: str) -> F:
    if not spec.description:
        doc = (fn.__doc__ or "").strip().splitlines()
        if doc:
            object.__setattr__(spec, "description", doc[0].strip())
    fn.__zenohub__ = spec  # type: ignore[attr-defined]
    setattr(fn, marker, True)
    return fn


@overload
def model(fn: F) -> F: ...
@overload
def model(fn: None = None, *, name: str | None = None) -> Callable[[F], F]: ...
def model(fn: Any = None, *, name: str | None = None) -> Any:
    """Mark ``fn(model_name) -> predict(df, ops) -> ModelReturn`` as the project's model loader."""

    def deco(f: F) -> F:
        return _mark(
            f,
            FunctionSpec(FunctionKind.MODEL, _name(f, name, FunctionKind.MODEL)),
            "predict_function",
        )

    return deco(fn) if fn is not None else deco


@overload
def distill(fn: F) -> F: ...
@overload
def distill(
    fn: None = None, *, per_model: bool | None = None, name: str | None = None
) -> Callable[[F], F]: ...
def distill(fn: Any = None, *, per_model: bool | None = None, name: str | None = None) -> Any:
    """Mark ``fn(df, ops) -> DistillReturn | Series | list`` as a derived metadata column.

    ``per_model=True`` declares that the distill reads the model output, so it runs once per
    model; ``False`` declares it does not. Left unset, zenohub watches whether the function reads
    ``ops.output_column`` (directly or through helpers) on a probe batch.
    """

    def deco(f: F) -> F:
        spec = FunctionSpec(
            FunctionKind.DISTILL, _name(f, name, FunctionKind.DISTILL), per_model=per_model
        )
        return _mark(f, spec, "distill_function")

    return deco(fn) if fn is not None else deco


@overload
def metric(fn: F) -> F: ...
@overload
def metric(
    fn: None = None,
    *,
    higher_is_better: bool = True,
    mean_of: str | None = None,
    scale: float = 1.0,
    offset: float = 0.0,
    name: str | None = None,
) -> Callable[[F], F]: ...
def metric(
    fn: Any = None,
    *,
    higher_is_better: bool = True,
    mean_of: str | None = None,
    scale: float = 1.0,
    offset: float = 0.0,
    name: str | None = None,
) -> Any:
    """Mark ``fn(df_subset, ops) -> MetricReturn | float`` as a metric.

    ``mean_of="correct"`` declares that the metric equals ``offset + scale * mean(correct)`` of a
    per-instance column, so it can be computed per histogram bin with numpy; when not declared,
    zenohub tries to recognise such metrics after processing.
    """

    def deco(f: F) -> F:
        spec = FunctionSpec(
            FunctionKind.METRIC,
            _name(f, name, FunctionKind.METRIC),
            higher_is_better=higher_is_better,
            mean_of=mean_of,
            scale=scale,
            offset=offset,
        )
        return _mark(f, spec, "metric_function")

    return deco(fn) if fn is not None else deco


@overload
def transform(fn: F) -> F: ...
@overload
def transform(fn: None = None, *, name: str | None = None) -> Callable[[F], F]: ...
def transform(fn: Any = None, *, name: str | None = None) -> Any:
    """Mark ``fn(df, ops) -> DataFrame`` as a transform producing modified instances.

    The returned frame has the same ids and new values of the data column (and any other columns
    it changes). A transform that writes files puts them under ``ops.output_path`` and returns
    their absolute paths.
    """

    def deco(f: F) -> F:
        spec = FunctionSpec(FunctionKind.TRANSFORM, _name(f, name, FunctionKind.TRANSFORM))
        return _mark(f, spec, "transform_function")

    return deco(fn) if fn is not None else deco


def function_spec(fn: Any) -> FunctionSpec | None:
    """The spec of a zenohub- or zenoml-decorated function, or None for anything else."""
    spec = getattr(fn, "__zenohub__", None)
    if isinstance(spec, FunctionSpec):
        return spec
    if not callable(fn):
        return None
    for marker, kind in ZENOML_MARKERS.items():
        if getattr(fn, marker, False) is True:
            name = getattr(fn, "__name__", None) or repr(fn)
            return FunctionSpec(kind, name)
    return None
