"""What a report and its behavioral tests are: validated specs with a readable dict form.

The dict form is what ``tests.toml`` and the store hold; :meth:`TestSpec.from_dict` /
:meth:`ReportSpec.from_dict` check every key and say what to fix, and ``to_dict`` leaves out
defaults so a written file stays short.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import ConfigError, did_you_mean

#: test types (CheckList's INV and DIR are ``invariance`` and ``directional``)
TEST_TYPES = ("threshold", "confident", "no_regression", "invariance", "directional")
#: comparison operators of threshold tests
OPS = (">", ">=", "<", "<=", "between")
DIRECTIONS = ("increase", "decrease", "not increase", "not decrease")
#: a test's ``slice`` meaning "each slice of the report" (fails when any slice fails)
EACH_SLICE = "*"
CHART_KINDS = ("bar", "line", "table", "heatmap", "slice_heatmap")
#: what chart axes, colors and facets may show
DIMENSIONS = ("slices", "models", "metrics", "transforms")


class TestDefinitionError(ConfigError):
    """A behavioral test, report or chart in ``tests.toml`` (or the app) is malformed."""

    __test__ = False


def _where(what: str, name: str) -> str:
    return f"{what} '{name}'" if name else what


def _text(d: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str | None:
    value = d.get(key, default)
    if value is None or value == "":
        return default if default is not None else None
    if not isinstance(value, str):
        raise TestDefinitionError(f"{where}: '{key}' must be text, got {value!r}.")
    return value


def _number(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise TestDefinitionError(f"{where}: '{key}' must be a number, got {value!r}.")
    return float(value)


def _choice(value: Any, key: str, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise TestDefinitionError(
            f"{where}: '{key}' is {value!r}; allowed: {', '.join(choices)}"
            f"{did_you_mean(str(value), choices)}."
        )
    return str(value)


def _check_keys(d: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in d:
        if key not in allowed:
            raise TestDefinitionError(
                f"{where}: unknown key '{key}'{did_you_mean(str(key), allowed)}; "
                f"keys: {', '.join(sorted(allowed))}."
            )


@dataclass(frozen=True)
class TestSpec:
    """One behavioral test: an expectation on a metric of a slice, checked for each model.

    ``slice`` None means all instances, ``"*"`` each slice of the report. See the README's
    Analysis section for every type's keys.
    """

    __test__ = False

    name: str
    type: str
    metric: str | None = None
    slice: str | None = None
    transform: str | None = None
    op: str = ">="
    value: float | tuple[float, float] | None = None
    confidence: float = 0.95
    delta: float = 0.0
    baseline: str | None = None
    max_changed: float | None = None
    direction: str = "decrease"
    description: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TestSpec:
        if not isinstance(d, Mapping):
            raise TestDefinitionError(f"A test is a table of keys, got {d!r}.")
        name = d.get("name")
        if not isinstance(name, str) or not name.strip():
            raise TestDefinitionError(f"Every test needs a non-empty 'name', got {name!r}.")
        name = name.strip()
        where = _where("test", name)
        _check_keys(d, {f.name for f in fields(cls)}, where)
        kind = _choice(d.get("type"), "type", where, TEST_TYPES)
        values: dict[str, Any] = {"name": name, "type": kind}
        for key in ("metric", "slice", "transform", "baseline"):
            values[key] = _text(d, key, where)
        values["description"] = _text(d, "description", where) or ""
        if kind != "invariance" and not values["metric"]:
            raise TestDefinitionError(f"{where}: a {kind} test needs a 'metric'.")
        if kind in ("invariance", "directional") and not values["transform"]:
            raise TestDefinitionError(f"{where}: a {kind} test needs a 'transform'.")
        if kind in ("threshold", "confident"):
            op = _choice(d.get("op", ">="), "op", where, OPS)
            raw = d.get("value")
            if op == "between":
                if not isinstance(raw, list | tuple) or len(raw) != 2:
                    raise TestDefinitionError(
                        f"{where}: op 'between' needs 'value' = [low, high], got {raw!r}."
                    )
                lo, hi = (_number(v, "value", where) for v in raw)
                if lo > hi:
                    raise TestDefinitionError(f"{where}: 'value' [{lo}, {hi}] has low > high.")
                values["value"] = (lo, hi)
            else:
                values["value"] = _number(raw, "value", where)
            values["op"] = op
        if "confidence" in d:
            conf = _number(d["confidence"], "confidence", where)
            if not 0 < conf < 1:
                raise TestDefinitionError(f"{where}: 'confidence' must be in (0, 1), got {conf}.")
            values["confidence"] = conf
        if "delta" in d:
            delta = _number(d["delta"], "delta", where)
            if delta < 0:
                raise TestDefinitionError(f"{where}: 'delta' must be >= 0, got {delta}.")
            values["delta"] = delta
        if kind == "invariance":
            share = _number(d.get("max_changed"), "max_changed", where)
            if not 0 <= share <= 1:
                raise TestDefinitionError(
                    f"{where}: 'max_changed' is a share of instances in [0, 1], got {share}."
                )
            values["max_changed"] = share
        if kind == "directional":
            values["direction"] = _choice(
                d.get("direction", "decrease"), "direction", where, DIRECTIONS
            )
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The readable form: name and type first, defaults left out."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        default = TestSpec(name="", type="")
        for f in fields(self):
            if f.name in ("name", "type"):
                continue
            value = getattr(self, f.name)
            relevant = {
                "op": self.type in ("threshold", "confident"),
                "value": self.type in ("threshold", "confident"),
                "direction": self.type == "directional",
                "confidence": self.type == "confident",
            }.get(f.name, True)
            if value is None or not relevant:
                continue
            if value == getattr(default, f.name) and f.name not in ("op", "direction"):
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def describe(self) -> str:
        """The expectation in words, e.g. ``accuracy(dark digits) >= 0.9``."""
        where = (
            "all instances"
            if self.slice is None
            else ("each slice" if self.slice == EACH_SLICE else self.slice)
        )
        under = f" under {self.transform}" if self.transform else ""
        if self.type in ("threshold", "confident"):
            if isinstance(self.value, tuple):
                target = f"between {self.value[0]:g} and {self.value[1]:g}"
            else:
                target = f"{self.op} {self.value:g}"
            conf = f" ({self.confidence:.0%} interval)" if self.type == "confident" else ""
            return f"{self.metric}({where}){under} {target}{conf}"
        if self.type == "no_regression":
            ref = self.baseline or "the previous model"
            return f"{self.metric}({where}){under} not worse than {ref} by more than {self.delta:g}"
        if self.type == "invariance":
            share = f"{self.max_changed:.0%}"
            return f"outputs on {where} unchanged under {self.transform} (at most {share} change)"
        tol = f" by at least {self.delta:g}" if self.delta and "not" not in self.direction else ""
        return f"{self.metric}({where}) should {self.direction} under {self.transform}{tol}"


@dataclass(frozen=True)
class ChartSpec:
    """A report chart: ``kind``, and which dimension goes on x, color and facet.

    A heatmap puts ``x`` across and ``color`` down (slices x models by default); a
    ``slice_heatmap`` shows the metric on the intersection of every two slices of the report.
    Dimensions not shown use their first value (or ``metric`` / ``model`` / ``transform``).
    """

    kind: str = "bar"
    x: str = "slices"
    color: str = "models"
    facet: str = ""
    title: str = ""
    metric: str | None = None
    model: str | None = None
    transform: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "chart") -> ChartSpec:
        if not isinstance(d, Mapping):
            raise TestDefinitionError(f"{where}: a chart is a table of keys, got {d!r}.")
        _check_keys(d, {f.name for f in fields(cls)}, where)
        kind = _choice(d.get("kind", "bar"), "kind", where, CHART_KINDS)
        x = _choice(d.get("x", "slices"), "x", where, DIMENSIONS)
        color = _choice(d.get("color", "models"), "color", where, DIMENSIONS)
        facet = d.get("facet", "") or ""
        if facet:
            facet = _choice(facet, "facet", where, DIMENSIONS)
        used = [v for v in (x, color, facet) if v]
        if kind not in ("slice_heatmap",) and len(set(used)) != len(used):
            raise TestDefinitionError(
                f"{where}: x, color and facet must be different dimensions, got {used}."
            )
        return cls(
            kind=kind,
            x=x,
            color=color,
            facet=facet,
            title=_text(d, "title", where) or "",
            metric=_text(d, "metric", where),
            model=_text(d, "model", where),
            transform=_text(d, "transform", where),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "x": self.x, "color": self.color}
        for key in ("facet", "title", "metric", "model", "transform"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class ReportSpec:
    """A named report: what it shows (slices, models, metrics, transforms, charts) and tests.

    Empty ``models`` means every model of the project in the config's order; a transform ``""``
    is the original instances.
    """

    name: str
    description: str = ""
    slices: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    transforms: tuple[str, ...] = ("",)
    charts: tuple[ChartSpec, ...] = ()
    tests: tuple[TestSpec, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReportSpec:
        if not isinstance(d, Mapping):
            raise TestDefinitionError(f"A report is a table of keys, got {d!r}.")
        name = d.get("name")
        if not isinstance(name, str) or not name.strip():
            raise TestDefinitionError(f"Every report needs a non-empty 'name', got {name!r}.")
        name = name.strip()
        where = _where("report", name)
        _check_keys(d, {f.name for f in fields(cls)}, where)
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("slices", "models", "metrics", "transforms"):
            raw = d.get(key, [""] if key == "transforms" else [])
            if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
                raise TestDefinitionError(f"{where}: '{key}' must be a list of names, got {raw!r}.")
            lists[key] = tuple(dict.fromkeys(raw))
        charts = tuple(
            ChartSpec.from_dict(c, f"{where}, chart {i + 1}")
            for i, c in enumerate(d.get("charts", []))
        )
        tests = tuple(TestSpec.from_dict(t) for t in d.get("tests", []))
        names = [t.name for t in tests]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise TestDefinitionError(f"{where}: test names repeat: {', '.join(dupes)}.")
        return cls(
            name=name,
            description=_text(d, "description", where) or "",
            charts=charts,
            tests=tests,
            **lists,
        )

    def to_dict(self, with_tests: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        for key in ("slices", "models", "metrics", "transforms"):
            value = list(getattr(self, key))
            if key == "transforms" and value == [""]:
                continue
            out[key] = value
        if self.charts:
            out["charts"] = [c.to_dict() for c in self.charts]
        if with_tests and self.tests:
            out["tests"] = [t.to_dict() for t in self.tests]
        return out

    def with_tests(self, tests: tuple[TestSpec, ...]) -> ReportSpec:
        return replace(self, tests=tests)
