"""A zenohub project: dataset + functions + settings, processed into the instance table.

``Project`` ties the layers together but does no work itself: loading is in :mod:`zenohub.data`,
the pipeline in :mod:`zenohub.pipeline`, metrics in :mod:`zenohub.metrics`, persistence in
:mod:`zenohub.store`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .api import FunctionKind, FunctionSpec, ZenoOptions
from .columns import (
    ColumnInfo,
    ColumnKind,
    ColumnRef,
    ColumnType,
    coerce_column,
    infer_column_type,
    parse_column_key,
)
from .config import ProjectConfig, build_config, load_config
from .data import call_loader, collect_functions, prepare_table, read_dataset
from .errors import ConfigError, FunctionError, MetricError, ProcessingError, did_you_mean
from .metrics import Decomposition, call_metric, recognise
from .pipeline import (
    ColumnCache,
    Executor,
    FunctionFailure,
    Progress,
    Runner,
    UserFunction,
    make_executor,
)

if TYPE_CHECKING:
    from .projection import Map2D, ProjectionRun
    from .store import Store

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    """What ``Project.process`` did."""

    computed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failures: list[FunctionFailure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  #: corrupt cache entries recomputed
    #: projection source (model or "columns") -> "computed", "cached", "preview" or "failed"
    projections: dict[str, str] = field(default_factory=dict)
    per_model: dict[str, bool] = field(default_factory=dict)
    executor: str = ""
    rows: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.skipped


class Project:
    """A behavioral-evaluation project.

    ``Project.from_config("config.toml")`` reads a TOML config; ``Project(metadata=df,
    functions=[...], models=[...], ...)`` takes the same settings as keywords.
    """

    def __init__(self, config: ProjectConfig | None = None, /, **settings: Any) -> None:
        if config is None:
            base_dir = settings.pop("base_dir", None)
            config = build_config(settings, base_dir=base_dir)
        elif settings:
            raise ConfigError("Pass either a ProjectConfig or keyword settings, not both.")
        self.config = config
        self.progress = Progress()
        self.report: ProcessReport | None = None
        self._loaded = False
        self._base: pd.DataFrame | None = None
        self._table: pd.DataFrame | None = None
        self._columns: dict[str, ColumnInfo] = {}
        self._embeddings: dict[tuple[str, str | None], np.ndarray] = {}
        self._functions: list[tuple[Any, FunctionSpec]] = []
        self._decompositions: dict[tuple[str, str, str | None], Decomposition | None] = {}
        self._store: Store | None = None
        self._id_column = config.id_column
        self._base_keys: set[str] = set()
        self._base_table = pd.DataFrame()
        from .projection import projection_settings

        #: the validated ``[projection]`` table
        self.projection_settings = projection_settings(
            config.projection, config.seed, config.source
        )

    @classmethod
    def from_config(cls, path: str | Path) -> Project:
        return cls(load_config(path))

    # --- settings and functions ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self.config.name

    @property
    def models(self) -> list[str]:
        return list(self.config.models)

    @property
    def cache_path(self) -> Path:
        return Path(self.config.cache_path)

    def _by_kind(self, kind: FunctionKind) -> dict[str, Any]:
        self.load()
        return {spec.name: fn for fn, spec in self._functions if spec.kind is kind}

    @property
    def metrics(self) -> list[str]:
        return list(self._by_kind(FunctionKind.METRIC))

    @property
    def distills(self) -> list[str]:
        return list(self._by_kind(FunctionKind.DISTILL))

    @property
    def transforms(self) -> list[str]:
        return list(self._by_kind(FunctionKind.TRANSFORM))

    def metric_spec(self, name: str) -> FunctionSpec:
        fn = self._metric_fn(name)
        spec = getattr(fn, "__zenohub__", None)
        return spec if isinstance(spec, FunctionSpec) else FunctionSpec(FunctionKind.METRIC, name)

    @property
    def id_column(self) -> str:
        self.load()
        return self._id_column

    def reload(self) -> None:
        """Read the dataset and the functions again, e.g. after a hub install; then
        :meth:`process` computes what is new (the rest comes from the cache)."""
        self._loaded = False
        self.load()

    def load(self) -> None:
        """Read the dataset and import the functions (once)."""
        if self._loaded:
            return
        cfg = self.config
        from .hub.lock import with_installed  # the hub's installs, checked against zenohub.lock

        self._functions = collect_functions(with_installed(cfg.functions, cfg.base_dir))
        models = [fn for fn, spec in self._functions if spec.kind is FunctionKind.MODEL]
        if len(models) > 1:
            raise FunctionError(
                "Found several @model functions ("
                + ", ".join(f.__name__ for f in models)
                + "); keep one: it is called once per name in 'models'."
            )
        if cfg.models and not models:
            raise ConfigError(
                f"{cfg.source}: 'models' lists {cfg.models} but no @model "
                "function was found in 'functions'."
            )
        if isinstance(cfg.metadata, pd.DataFrame):
            df = cfg.metadata
        elif cfg.metadata:
            df = read_dataset(cfg.metadata)
        else:
            df = call_loader(cfg.loader, self.cache_path / "data")
        base, self._id_column = prepare_table(
            df, cfg.id_column, cfg.data_column, cfg.label_column, cfg.samples, cfg.seed, cfg.source
        )
        self._base = base  # what user functions see: the dataset as read
        self._loaded = True
        self._set_table(base.copy(), {})
        self._base_table = self.table  # the dataset with its column types applied
        self._base_keys = set(base.columns)

    # --- processing ---------------------------------------------------------------------
    def ops(self, model: str | None = None, transform: str | None = None) -> ZenoOptions:
        """The options user functions receive for ``model`` / ``transform``."""
        self.load()
        cfg = self.config
        distills: dict[str, str] = {}
        for info in self._columns.values():
            r = info.ref
            if (
                r.kind in (ColumnKind.DISTILL, ColumnKind.OTHER)
                and r.transform == transform
                and r.model in (None, model)
            ):
                distills[r.name] = info.key
        out = ColumnRef(ColumnKind.OUTPUT, "output", model, transform).key if model else ""
        return ZenoOptions(
            id_column=self._id_column,
            data_column=cfg.data_column,
            label_column=cfg.label_column,
            output_column=out,
            distill_columns=distills,
            data_path=cfg.data_path,
            label_path=cfg.label_path,
            # the folder the pipeline gave this model's run (see Runner._ops)
            output_path=(
                str(self.cache_path / "outputs" / f"{model}{f'~{transform}' if transform else ''}")
                if model
                else ""
            ),
        )

    def process(
        self,
        executor: Executor | str | None = None,
        strict: bool = True,
        progress: Progress | None = None,
    ) -> ProcessReport:
        """Compute every model output, embedding, distill and transform (cached).

        A failing function does not stop the others: everything else is computed and cached,
        then (with ``strict``) a :class:`ProcessingError` lists each failure.
        """
        self.load()
        assert self._base is not None
        cfg = self.config
        started = time.perf_counter()
        own = not isinstance(executor, Executor)
        ex = (
            executor
            if isinstance(executor, Executor)
            else make_executor(
                executor or cfg.effective_executor, cfg.workers or None, cfg.scheduler or None
            )
        )
        if progress is not None:
            self.progress = progress
        fns = [
            UserFunction(fn, spec)
            for fn, spec in self._functions
            if spec.kind is not FunctionKind.METRIC
        ]
        base_ops = {
            "id_column": self._id_column,
            "data_column": cfg.data_column,
            "label_column": cfg.label_column,
            "data_path": cfg.data_path,
            "label_path": cfg.label_path,
        }
        cache = ColumnCache(self.cache_path)
        try:
            runner = Runner(
                self._base, base_ops, fns, self.models, cache, ex, cfg.batch_size, self.progress
            )
            result = runner.run()
            self._assemble(result.columns)
            projections = self._process_projections(ex)
        finally:
            if own:
                ex.close()
        self.report = ProcessReport(
            computed=result.computed,
            cached=result.cached,
            failures=result.failures,
            skipped=result.skipped,
            problems=result.problems + projections.problems,
            projections=projections.status,
            per_model=result.per_model,
            executor=ex.name,
            rows=len(self._base),
            seconds=time.perf_counter() - started,
        )
        if strict and result.failures:
            raise ProcessingError(result.failures, self.report)
        return self.report

    def _process_projections(self, executor: Executor) -> ProjectionRun:
        """PCA previews and (with ``[projection] umap``) UMAPs of every model's embedding and
        of the ``[projection] columns``, through the projection cache."""
        from .projection import ProjectionCache, compute_projections

        sources = {m: e for (m, t), e in self._embeddings.items() if t is None}
        if self.projection_settings.columns:
            sources["columns"] = self._projection_columns()
        return compute_projections(
            sources,
            self.projection_settings,
            ProjectionCache(self.cache_path),
            executor,
            self.progress,
        )

    def _projection_columns(self) -> np.ndarray:
        from .projection import standardize

        keys = self.projection_settings.columns
        numeric = (ColumnType.CONTINUOUS, ColumnType.BOOLEAN)
        for key in keys:
            if key not in self.table:
                raise ConfigError(
                    f"{self.config.source}: projection.columns lists {key!r}, which is not a "
                    f"column{did_you_mean(key, self.table.columns.astype(str))}."
                )
            if self.columns[key].ctype not in numeric:
                raise ConfigError(
                    f"{self.config.source}: projection.columns lists {key!r}, a "
                    f"{self.columns[key].ctype.value} column; list continuous or boolean ones."
                )
        values = self.table[list(keys)].to_numpy(dtype=np.float64, na_value=np.nan)
        return standardize(np.where(np.isnan(values), np.nanmean(values, axis=0), values))

    def projection(self, model: str | None = None, *, columns: bool = False) -> Map2D:
        """The 2-D map of ``model``'s embedding (default: the first model), or with ``columns``
        of the ``[projection] columns``: a :class:`~zenohub.projection.Map2D` whose ``xy`` is
        in table row order.

        Returns the UMAP computed by ``process`` when it is in the cache, else the instant PCA
        preview (``method == "pca"``, with a ``note``). Never runs UMAP itself.
        """
        from .projection import ProjectionCache, best_map

        if columns:
            if not self.projection_settings.columns:
                raise ConfigError(f"{self.config.source}: no [projection] columns are configured.")
            x = self._projection_columns()
        else:
            x = self.embedding(model or self._check_model(None, None))
        return best_map(x, ProjectionCache(self.cache_path), self.projection_settings.params)

    def _assemble(self, computed: Mapping[ColumnRef, Any]) -> None:
        table = self._base_table
        extra: dict[str, Any] = {}
        self._embeddings = {}
        for ref in sorted(computed, key=lambda r: r.key):
            values = computed[ref]
            if ref.kind is ColumnKind.EMBEDDING:
                self._embeddings[(str(ref.model), ref.transform)] = np.asarray(values)
                continue
            s = (
                values
                if isinstance(values, pd.Series)
                else pd.Series(
                    values
                    if not isinstance(values, np.ndarray) or values.ndim == 1
                    else list(values)
                )
            )
            extra[ref.key] = s.reset_index(drop=True)
        if extra:
            table = pd.concat([table, pd.DataFrame(extra)], axis=1)
        self._set_table(table, {})
        self._decompositions.clear()

    def _set_table(self, table: pd.DataFrame, _: dict[str, Any]) -> None:
        overrides = self.config.columns
        columns: dict[str, ColumnInfo] = {}
        for key in table.columns:
            ref = parse_column_key(str(key))
            wanted = overrides.get(str(key)) or overrides.get(ref.name)
            known = self._columns.get(str(key)) if str(key) in self._base_keys else None
            ctype = (
                ColumnType(wanted)
                if wanted
                else (known.ctype if known else infer_column_type(table[key]))
            )
            try:
                coerced = coerce_column(table[key], ctype)
                if coerced is not table[key] and coerced.dtype != table[key].dtype:
                    table[key] = coerced
            except (TypeError, ValueError) as exc:
                raise ConfigError(
                    f"{self.config.source}: column '{key}' cannot be used as {ctype.value}: {exc}"
                ) from exc
            columns[str(key)] = ColumnInfo(ref, ctype)
        self._table = table
        self._columns = columns

    # --- results ------------------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """The instance table: dataset columns plus every computed column (by column key)."""
        self.load()
        assert self._table is not None
        return self._table

    @property
    def columns(self) -> dict[str, ColumnInfo]:
        """Every table column's reference and type, by column key."""
        self.load()
        return dict(self._columns)

    def column(
        self,
        kind: ColumnKind | str,
        name: str,
        model: str | None = None,
        transform: str | None = None,
    ) -> str:
        """Key of a table column, e.g. ``project.column("distill", "correct", "mlp-v2")``."""
        key = ColumnRef(ColumnKind(kind), name, model, transform).key
        if key not in self.columns:
            raise ConfigError(f"No column {key!r}{did_you_mean(key, self._columns)}.")
        return key

    def embedding(self, model: str, transform: str | None = None) -> np.ndarray:
        """A model's embedding as an (n, d) array, in table row order."""
        try:
            return self._embeddings[(model, transform)]
        except KeyError:
            have = sorted(f"{m}~{t}" if t else m for m, t in self._embeddings)
            raise ConfigError(
                f"No embedding for model {model!r}"
                + (f" and transform {transform!r}" if transform else "")
                + f"; have: {have or 'none (process the project first)'}."
            ) from None

    @property
    def store(self) -> Store:
        """The project database (slices, folders, ...), opened on first use."""
        if self._store is None:
            from .store import Store

            Path(self.config.cache_path).mkdir(parents=True, exist_ok=True)
            self._store = Store(self.config.database_url)
        return self._store

    # --- metrics ------------------------------------------------------------------------
    def _metric_fn(self, name: str) -> Any:
        fns = self._by_kind(FunctionKind.METRIC)
        if name not in fns:
            raise MetricError(
                f"No metric named {name!r}{did_you_mean(name, fns)}; "
                f"metrics: {', '.join(fns) or 'none'}."
            )
        return fns[name]

    def _check_model(self, model: str | None, transform: str | None) -> str:
        if model is None:
            if not self.models:
                raise MetricError("The project has no models.")
            model = self.models[0]
        if model not in self.models:
            raise MetricError(
                f"No model named {model!r}{did_you_mean(model, self.models)}; "
                f"models: {', '.join(self.models)}."
            )
        if transform is not None and transform not in self.transforms:
            raise MetricError(
                f"No transform named {transform!r}{did_you_mean(transform, self.transforms)}."
            )
        return model

    def decomposition(
        self, name: str, model: str | None = None, transform: str | None = None
    ) -> Decomposition | None:
        """How metric ``name`` reduces to a mean of a column, or None if it does not."""
        model = self._check_model(model, transform)
        key = (name, model, transform)
        if key not in self._decompositions:
            fn = self._metric_fn(name)
            spec = self.metric_spec(name)
            ops = self.ops(model, transform)
            result: Decomposition | None = None
            if spec.mean_of:
                col = ops.distill_columns.get(spec.mean_of)
                if col is None:
                    hint = did_you_mean(spec.mean_of, ops.distill_columns)
                    raise MetricError(
                        f"Metric '{name}' declares mean_of={spec.mean_of!r}, "
                        f"which is not a column{hint}."
                    )
                result = Decomposition(col, spec.scale, spec.offset, declared=True)
            elif ops.output_column in self.table:
                result = recognise(fn, name, self.table, ops, ops.distill_columns)
            self._decompositions[key] = result
        return self._decompositions[key]

    def mask(self, filter: Any = None) -> np.ndarray:
        """Boolean row mask of a filter: a predicate tree, its dict form, a stored slice (its
        filter AND its ids), or a boolean mask."""
        if filter is None:
            return np.ones(len(self.table), dtype=bool)
        from .store import Slice

        if isinstance(filter, Slice):
            mask = self.mask(filter.filter) if filter.filter else self.mask(None)
            if filter.ids is not None:
                ids = self.table[self.id_column].astype(str)
                mask &= ids.isin(filter.ids).to_numpy()
            return mask
        if isinstance(filter, np.ndarray | pd.Series | list) and not isinstance(filter, dict):
            mask = np.asarray(filter, dtype=bool)
            if mask.shape != (len(self.table),):
                raise MetricError(
                    f"A mask must have {len(self.table)} booleans, got shape {mask.shape}."
                )
            return mask
        from .filters import compile_filter, filter_from_dict

        flt = filter_from_dict(filter) if isinstance(filter, dict) else filter
        types = {k: c.ctype for k, c in self.columns.items()}
        return compile_filter(flt, self.table, types)

    def metric(
        self, name: str, model: str | None = None, filter: Any = None, transform: str | None = None
    ) -> float:
        """Value of metric ``name`` for ``model`` on the rows matching ``filter``.

        The one path the app, reports and tests use. Decomposable metrics are a numpy mean;
        others call the metric function on the subset. An empty subset gives NaN.
        """
        model = self._check_model(model, transform)
        ops = self.ops(model, transform)
        if ops.output_column not in self.table:
            raise MetricError(
                f"Model {model!r}"
                + (f" under transform {transform!r}" if transform else "")
                + " has no output yet: process the project first"
                + (" (its model run failed)." if self.report else ".")
            )
        mask = self.mask(filter)
        dec = self.decomposition(name, model, transform)
        if dec is not None:
            return dec.evaluate(
                self.table[dec.column].to_numpy(dtype=np.float64, na_value=np.nan)[mask]
            )
        if not mask.any():
            return float("nan")
        return call_metric(self._metric_fn(name), name, self.table.loc[mask], ops)
