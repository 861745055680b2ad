"""Projections of embeddings to 2-D maps (UMAP, PCA preview), their cache, and error regions.

Pure computation: no Panel. ``Project.process`` computes the maps (``compute_projections``);
the app only reads them (``best_map``), since UMAP's compilation costs seconds per process.
"""

from ._cache import Map2D, ProjectionCache, content_hash, projection_key
from ._compute import MIN_UMAP_ROWS, pca_map, standardize, umap_map
from ._run import NOTE_FEW_ROWS, NOTE_NO_UMAP, ProjectionRun, best_map, compute_projections, preview
from ._select import in_box, in_polygon
from ._settings import METRICS, ProjectionParams, ProjectionSettings, projection_settings
from .regions import ErrorRegion, find_error_regions

__all__ = [
    "METRICS",
    "MIN_UMAP_ROWS",
    "NOTE_FEW_ROWS",
    "NOTE_NO_UMAP",
    "ErrorRegion",
    "Map2D",
    "ProjectionCache",
    "ProjectionParams",
    "ProjectionRun",
    "ProjectionSettings",
    "best_map",
    "compute_projections",
    "content_hash",
    "find_error_regions",
    "in_box",
    "in_polygon",
    "pca_map",
    "preview",
    "projection_key",
    "projection_settings",
    "standardize",
    "umap_map",
]
