"""The ``[projection]`` config table: which projections ``process`` computes and how.

Validated without importing umap (its import alone takes seconds): a bad value is a
:class:`~zenohub.errors.ConfigError` naming the key and the allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, did_you_mean

#: distance metrics umap-learn accepts by name (numba implementations in umap.distances)
METRICS = (
    "euclidean",
    "manhattan",
    "chebyshev",
    "minkowski",
    "canberra",
    "braycurtis",
    "cosine",
    "correlation",
    "hellinger",
    "haversine",
    "hamming",
    "jaccard",
)


@dataclass(frozen=True)
class ProjectionParams:
    """What a UMAP projection depends on besides its input (part of the cache key).

    Parameters
    ----------
    n_neighbors, min_dist, metric
        UMAP's own parameters (McInnes et al., 2018).
    seed
        Random seed: the same input and parameters give the same map (UMAP then runs on one
        thread); -1 lets UMAP use every core, at the price of reproducibility.
    pca_dims
        Inputs with more dimensions are first reduced to this many by PCA.
    """

    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "euclidean"
    seed: int = 0
    pca_dims: int = 50

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_neighbors": self.n_neighbors,
            "min_dist": self.min_dist,
            "metric": self.metric,
            "seed": self.seed,
            "pca_dims": self.pca_dims,
        }


@dataclass(frozen=True)
class ProjectionSettings:
    """The ``[projection]`` table: ``umap`` (compute UMAP in ``process``), the UMAP
    parameters and ``columns`` (numeric table columns projected as one more map)."""

    umap: bool = True
    params: ProjectionParams = field(default_factory=ProjectionParams)
    columns: tuple[str, ...] = ()


_TYPES: dict[str, tuple[type, ...]] = {
    "umap": (bool,),
    "n_neighbors": (int,),
    "min_dist": (int, float),
    "metric": (str,),
    "seed": (int,),
    "pca_dims": (int,),
    "columns": (list,),
}


def projection_settings(
    table: Mapping[str, Any], default_seed: int = 0, source: str = "Project(...)"
) -> ProjectionSettings:
    """Validate a ``[projection]`` table (``default_seed`` is the project's ``seed``)."""
    for key, value in table.items():
        if key not in _TYPES:
            raise ConfigError(
                f"{source}: unknown key 'projection.{key}'{did_you_mean(key, _TYPES)}; "
                f"allowed: {', '.join(_TYPES)}."
            )
        types = _TYPES[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ConfigError(
                f"{source}: 'projection.{key}' must be "
                f"{'a list of column names' if key == 'columns' else types[-1].__name__}, "
                f"got {value!r}."
            )
    n_neighbors = int(table.get("n_neighbors", 15))
    min_dist = float(table.get("min_dist", 0.1))
    metric = str(table.get("metric", "euclidean"))
    pca_dims = int(table.get("pca_dims", 50))
    columns = table.get("columns", [])
    if n_neighbors < 2:
        raise ConfigError(
            f"{source}: 'projection.n_neighbors' must be at least 2, got {n_neighbors}."
        )
    if not 0.0 <= min_dist <= 1.0:
        raise ConfigError(f"{source}: 'projection.min_dist' must be in [0, 1], got {min_dist}.")
    if metric not in METRICS:
        raise ConfigError(
            f"{source}: 'projection.metric' is {metric!r}{did_you_mean(metric, METRICS)}; "
            f"allowed: {', '.join(METRICS)}."
        )
    if int(table.get("seed", default_seed)) < -1:
        raise ConfigError(
            f"{source}: 'projection.seed' must be -1 (no seed: parallel) or at least 0."
        )
    if pca_dims < 2:
        raise ConfigError(f"{source}: 'projection.pca_dims' must be at least 2, got {pca_dims}.")
    if not all(isinstance(c, str) for c in columns):
        raise ConfigError(f"{source}: 'projection.columns' must be a list of column names.")
    params = ProjectionParams(
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        metric=metric,
        seed=int(table.get("seed", default_seed)),
        pca_dims=pca_dims,
    )
    return ProjectionSettings(
        umap=bool(table.get("umap", True)), params=params, columns=tuple(columns)
    )
