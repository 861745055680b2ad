"""Projections through Project.process / `zenohub process`, read back by Project.projection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zenohub import Project
from zenohub.cli import main
from zenohub.errors import ConfigError

MODELS = ["mlp-v1", "mlp-v2", "mlp-v3", "mlp-v4"]


def test_process_computes_every_models_umap(digits_projected: Project) -> None:
    p = digits_projected
    assert p.report is not None
    assert p.report.projections == dict.fromkeys(MODELS, "computed")
    m = p.projection("mlp-v4")
    assert m.method == "umap" and m.xy.shape == (600, 2) and not m.note
    # the map keeps what the embedding knows: a point's nearest neighbours on it mostly share
    # its label (the 2-D map of a trained classifier's hidden layer groups the digits)
    from sklearn.neighbors import KNeighborsClassifier

    labels = p.table[p.config.label_column].astype(str).to_numpy()
    knn = KNeighborsClassifier(n_neighbors=6).fit(m.xy, labels)
    agree = (knn.predict(m.xy) == labels).mean()
    assert agree > 0.8
    assert p.projection().key == p.projection("mlp-v1").key  # default: the first model


def test_reprocessing_reads_the_cache_and_cli_reports_it(
    digits_projected: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    root = digits_projected.cache_path / "projections"
    before = {f.name: f.stat().st_mtime_ns for f in root.iterdir()}
    config = digits_projected.config.base_dir / "config.toml"
    again = Project.from_config(config)
    assert again.process(executor="sequential").projections == dict.fromkeys(MODELS, "cached")
    np.testing.assert_array_equal(
        again.projection("mlp-v2").xy, digits_projected.projection("mlp-v2").xy
    )
    assert main(["process", str(config), "--executor", "sequential", "-q"]) == 0
    out = capsys.readouterr().out
    assert "projections: mlp-v1 cached, mlp-v2 cached, mlp-v3 cached, mlp-v4 cached" in out
    assert {f.name: f.stat().st_mtime_ns for f in root.iterdir()} == before


def _toy(toy: Path, table: str) -> Path:
    """The toy project's config with a [projection] table (rewritten on every call)."""
    original = toy / "config.original.toml"
    if not original.exists():
        original.write_text((toy / "config.toml").read_text())
    config = toy / "config.toml"
    config.write_text(original.read_text() + "\n[projection]\n" + table)
    return config


def test_two_dimensional_embeddings_and_column_maps(toy: Path) -> None:
    config = _toy(
        toy, 'umap = false\ncolumns = ["x", "distill:x_squared", "other:confidence@m-1"]\n'
    )
    project = Project.from_config(config)
    report = project.process()
    # the toy model's embedding has two dimensions: shown as it is, nothing to compute
    assert report.projections == {"m-1": "preview", "m-2": "preview", "columns": "preview"}
    m = project.projection("m-2")
    assert m.method == "identity"
    np.testing.assert_allclose(m.xy, project.embedding("m-2"), rtol=1e-6)
    cols = project.projection(columns=True)
    assert cols.method == "pca" and "zenohub process" in cols.note


def test_bad_projection_settings_say_what_to_fix(toy: Path) -> None:
    with pytest.raises(ConfigError, match=r"'projection.metric' is 'eucldean'.*'euclidean'"):
        Project.from_config(_toy(toy, 'metric = "eucldean"\n'))


def test_projection_columns_must_be_numeric(toy: Path) -> None:
    project = Project.from_config(_toy(toy, 'columns = ["x", "xx"]\n'))
    with pytest.raises(ConfigError, match=r"lists 'xx', which is not a column \(did you mean 'x'"):
        project.process()
    project = Project.from_config(_toy(toy, 'columns = ["x", "label"]\n'))
    with pytest.raises(ConfigError, match=r"lists 'label', a nominal column; list continuous"):
        project.process()
    with pytest.raises(ConfigError, match="no \\[projection\\] columns are configured"):
        Project.from_config(_toy(toy, "")).projection(columns=True)
    with pytest.raises(ConfigError, match="No embedding for model 'm-9'"):
        project.projection("m-9")
