"""Evaluate a behavioral test for one model: pass, fail, or "cannot evaluate" with the reason.

Nothing unknown passes: an empty slice, a NaN metric, a missing model, transform, slice or
metric, or a first model without a previous one to compare with is ``cannot evaluate``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from ..columns import ColumnKind, ColumnRef
from ..errors import ZenohubError, did_you_mean
from ..metrics import call_metric
from ._specs import EACH_SLICE, TestSpec
from ._stats import bootstrap_interval, bootstrap_means, wilson_interval

if TYPE_CHECKING:
    from ..project import Project

#: bootstrap resamples for a confident threshold on a metric that is a column mean
RESAMPLES = 2000
#: ... and on a metric zenohub must call per resample
CALL_RESAMPLES = 200


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    CANNOT = "cannot evaluate"


@dataclass(frozen=True)
class Outcome:
    """A test's result for one model: status, the value it judged, and why."""

    status: Status
    value: float | None
    message: str


class _Cannot(Exception):
    """Raised inside an evaluation when the test cannot be evaluated; the message says why."""


def _fmt(value: float) -> str:
    return "NaN" if value is None or math.isnan(value) else f"{value:.4g}"


def _compare(value: float, op: str, target: float | tuple[float, float]) -> bool:
    if op == "between":
        assert isinstance(target, tuple)
        return target[0] <= value <= target[1]
    assert not isinstance(target, tuple)
    return {
        ">": value > target,
        ">=": value >= target,
        "<": value < target,
        "<=": value <= target,
    }[op]


class Evaluator:
    """Evaluates tests on one project; caches slice masks between tests."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._masks: dict[str | None, np.ndarray] = {}

    # -- pieces ----------------------------------------------------------------------------------

    def mask(self, slice_name: str | None) -> np.ndarray:
        if slice_name not in self._masks:
            if slice_name is None:
                self._masks[None] = self.project.mask(None)
            else:
                try:
                    stored = self.project.store.get_slice(slice_name)
                except ZenohubError as exc:
                    raise _Cannot(str(exc)) from None
                self._masks[slice_name] = self.project.mask(stored)
        return self._masks[slice_name]

    def _check(self, spec: TestSpec, model: str, slice_name: str | None) -> np.ndarray:
        p = self.project
        if model not in p.models:
            raise _Cannot(
                f"no model named '{model}'{did_you_mean(model, p.models)}; "
                f"models: {', '.join(p.models)}"
            )
        if spec.transform and spec.transform not in p.transforms:
            raise _Cannot(
                f"no transform named '{spec.transform}'"
                f"{did_you_mean(spec.transform, p.transforms)}; "
                f"transforms: {', '.join(p.transforms) or 'none'}"
            )
        if spec.metric and spec.metric not in p.metrics:
            raise _Cannot(
                f"no metric named '{spec.metric}'{did_you_mean(spec.metric, p.metrics)}; "
                f"metrics: {', '.join(p.metrics)}"
            )
        mask = self.mask(slice_name)
        if not mask.any():
            raise _Cannot(f"slice '{slice_name}' is empty (0 instances)")
        return mask

    def value(
        self, metric: str, model: str, slice_name: str | None, transform: str | None
    ) -> float:
        """The metric, or _Cannot when it is NaN or cannot be computed."""
        mask = self.mask(slice_name)
        try:
            value = self.project.metric(metric, model, filter=mask, transform=transform)
        except ZenohubError as exc:
            raise _Cannot(str(exc)) from None
        if value is None or math.isnan(value):
            under = f" under {transform}" if transform else ""
            raise _Cannot(
                f"{metric} of {model}{under} is NaN on {_where(slice_name)} "
                f"({int(mask.sum())} instances)"
            )
        return float(value)

    def interval(
        self,
        metric: str,
        model: str,
        slice_name: str | None,
        transform: str | None,
        confidence: float,
    ) -> tuple[float, float, str]:
        """(low, high, method) of the metric's confidence interval on the slice."""
        p = self.project
        mask = self.mask(slice_name)
        try:
            dec = p.decomposition(metric, model, transform)
        except ZenohubError as exc:
            raise _Cannot(str(exc)) from None
        if dec is not None:
            col = p.table[dec.column].to_numpy(dtype=np.float64, na_value=np.nan)[mask]
            col = col[~np.isnan(col)]
            if len(col) == 0:
                raise _Cannot(f"{metric} has no values on {_where(slice_name)}")
            if np.isin(col, (0.0, 1.0)).all():
                lo, hi = wilson_interval(float(col.sum()), len(col), confidence)
                method = f"Wilson {confidence:.0%} interval of {len(col)} instances"
            else:
                lo, hi = bootstrap_interval(bootstrap_means(col, RESAMPLES), confidence)
                method = f"bootstrap {confidence:.0%} interval ({RESAMPLES} resamples)"
            a, b = dec.offset + dec.scale * lo, dec.offset + dec.scale * hi
            return min(a, b), max(a, b), method
        # a metric zenohub cannot reduce to a column mean: call it on resamples of the slice
        rows = np.flatnonzero(mask)
        rng = np.random.default_rng(0)
        fn = p._metric_fn(metric)
        ops = p.ops(model, transform)
        stats = []
        for _ in range(CALL_RESAMPLES):
            pick = rows[rng.integers(0, len(rows), len(rows))]
            try:
                stats.append(call_metric(fn, metric, p.table.iloc[pick], ops))
            except ZenohubError as exc:
                raise _Cannot(str(exc)) from None
        lo, hi = bootstrap_interval(np.asarray(stats), confidence)
        if math.isnan(lo):
            raise _Cannot(f"{metric} is NaN on every resample of {_where(slice_name)}")
        return lo, hi, f"bootstrap {confidence:.0%} interval ({CALL_RESAMPLES} resamples)"

    # -- tests -----------------------------------------------------------------------------------

    def evaluate(self, spec: TestSpec, model: str, report_slices: Sequence[str] = ()) -> Outcome:
        """The outcome of ``spec`` for ``model``; ``report_slices`` expand ``slice = "*"``."""
        if spec.slice == EACH_SLICE:
            if not report_slices:
                return Outcome(
                    Status.CANNOT, None, "the test is on each slice of the report, which has none"
                )
            outcomes = [(s, self._one(spec, model, s)) for s in report_slices]
            return _combine(outcomes)
        return self._one(spec, model, spec.slice)

    def _one(self, spec: TestSpec, model: str, slice_name: str | None) -> Outcome:
        try:
            mask = self._check(spec, model, slice_name)
            run = getattr(self, f"_{spec.type}")
            return run(spec, model, slice_name, mask)  # type: ignore[no-any-return]
        except _Cannot as exc:
            return Outcome(Status.CANNOT, None, str(exc))

    def _threshold(
        self, spec: TestSpec, model: str, slice_name: str | None, mask: np.ndarray
    ) -> Outcome:
        assert spec.metric is not None and spec.value is not None
        value = self.value(spec.metric, model, slice_name, spec.transform)
        ok = _compare(value, spec.op, spec.value)
        label = _label(spec.metric, slice_name, model, spec.transform)
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            value,
            f"{label} = {_fmt(value)}, {'' if ok else 'not '}{_target(spec)}",
        )

    def _confident(
        self, spec: TestSpec, model: str, slice_name: str | None, mask: np.ndarray
    ) -> Outcome:
        assert spec.metric is not None and spec.value is not None
        value = self.value(spec.metric, model, slice_name, spec.transform)
        lo, hi, method = self.interval(
            spec.metric, model, slice_name, spec.transform, spec.confidence
        )
        bound: str | None
        if isinstance(spec.value, tuple):
            ok, bound = spec.value[0] <= lo and hi <= spec.value[1], None
        elif spec.op in (">", ">="):
            ok, bound = _compare(lo, spec.op, spec.value), "lower"
        else:
            ok, bound = _compare(hi, spec.op, spec.value), "upper"
        label = _label(spec.metric, slice_name, model, spec.transform)
        which = f"its {bound} bound" if bound else "the interval"
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            value,
            f"{label} = {_fmt(value)}, {method} [{_fmt(lo)}, {_fmt(hi)}]: "
            f"{which} is {'' if ok else 'not '}{_target(spec)}",
        )

    def _no_regression(
        self, spec: TestSpec, model: str, slice_name: str | None, mask: np.ndarray
    ) -> Outcome:
        assert spec.metric is not None
        p = self.project
        if spec.baseline:
            if spec.baseline not in p.models:
                raise _Cannot(
                    f"no baseline model named '{spec.baseline}'"
                    f"{did_you_mean(spec.baseline, p.models)}"
                )
            if spec.baseline == model:
                raise _Cannot(f"{model} is the baseline itself")
            reference = spec.baseline
        else:
            position = p.models.index(model)
            if position == 0:
                raise _Cannot(f"{model} is the first model: there is no previous model")
            reference = p.models[position - 1]
        value = self.value(spec.metric, model, slice_name, spec.transform)
        before = self.value(spec.metric, reference, slice_name, spec.transform)
        higher = p.metric_spec(spec.metric).higher_is_better
        worse = (before - value) if higher else (value - before)
        ok = worse <= spec.delta + 1e-12
        label = _label(spec.metric, slice_name, model, spec.transform)
        change = value - before
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            change,
            f"{label} = {_fmt(value)}, {reference}: {_fmt(before)} (change {change:+.4g}; "
            f"{'within' if ok else 'worse than'} the allowed {spec.delta:g})",
        )

    def _invariance(
        self, spec: TestSpec, model: str, slice_name: str | None, mask: np.ndarray
    ) -> Outcome:
        assert spec.transform is not None and spec.max_changed is not None
        table = self.project.table
        original = ColumnRef(ColumnKind.OUTPUT, "output", model).key
        changed_key = ColumnRef(ColumnKind.OUTPUT, "output", model, spec.transform).key
        for key in (original, changed_key):
            if key not in table:
                raise _Cannot(f"{model} has no output '{key}' yet: process the project first")
        a, b = table[original][mask], table[changed_key][mask]
        differs = a.astype(str).to_numpy() != b.astype(str).to_numpy()
        both_na = a.isna().to_numpy() & b.isna().to_numpy()
        share = float((differs & ~both_na).mean())
        ok = share <= spec.max_changed + 1e-12
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            share,
            f"{share:.1%} of {int(mask.sum())} outputs of {model} on {_where(slice_name)} change "
            f"under {spec.transform} (at most {spec.max_changed:.1%} allowed)",
        )

    def _directional(
        self, spec: TestSpec, model: str, slice_name: str | None, mask: np.ndarray
    ) -> Outcome:
        assert spec.metric is not None and spec.transform is not None
        before = self.value(spec.metric, model, slice_name, None)
        after = self.value(spec.metric, model, slice_name, spec.transform)
        change = after - before
        eps = 1e-12
        ok = {
            "increase": change > eps and change >= spec.delta - eps,
            "decrease": change < -eps and -change >= spec.delta - eps,
            "not increase": change <= spec.delta + eps,
            "not decrease": -change <= spec.delta + eps,
        }[spec.direction]
        label = _label(spec.metric, slice_name, model, None)
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            change,
            f"{label} = {_fmt(before)}, under {spec.transform} {_fmt(after)} "
            f"(change {change:+.4g}; expected to {spec.direction}"
            + (f" by {spec.delta:g}" if spec.delta else "")
            + ")",
        )


def _where(slice_name: str | None) -> str:
    return "all instances" if slice_name is None else f"slice '{slice_name}'"


def _label(metric: str, slice_name: str | None, model: str, transform: str | None) -> str:
    where = "all instances" if slice_name is None else slice_name
    under = f" under {transform}" if transform else ""
    return f"{metric}({where}, {model}){under}"


def _target(spec: TestSpec) -> str:
    if isinstance(spec.value, tuple):
        return f"between {spec.value[0]:g} and {spec.value[1]:g}"
    return f"{spec.op} {spec.value:g}"


def _combine(outcomes: list[tuple[str, Outcome]]) -> Outcome:
    """One outcome for a test on each slice: fail if any fails, else cannot if any cannot."""
    failed = [(s, o) for s, o in outcomes if o.status is Status.FAIL]
    cannot = [(s, o) for s, o in outcomes if o.status is Status.CANNOT]
    if failed:
        text = "; ".join(f"{s}: {o.message}" for s, o in failed)
        return Outcome(
            Status.FAIL, failed[0][1].value, f"{len(failed)} of {len(outcomes)} slices fail: {text}"
        )
    if cannot:
        text = "; ".join(f"{s}: {o.message}" for s, o in cannot)
        return Outcome(
            Status.CANNOT,
            None,
            f"{len(cannot)} of {len(outcomes)} slices cannot be evaluated: {text}",
        )
    return Outcome(Status.PASS, None, f"all {len(outcomes)} slices pass")
