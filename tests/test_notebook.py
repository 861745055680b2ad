"""notebooks/quickstart.ipynb runs top to bottom (its code cells, in order, in one namespace)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(
        ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns(".zenohub_cache")
    )
    monkeypatch.setenv("ZENOHUB_EXAMPLES", str(tmp_path / "examples"))
    config = tmp_path / "examples" / "digits" / "config.toml"
    config.write_text('executor = "sequential"\n' + config.read_text())
    nb = json.loads((ROOT / "notebooks" / "quickstart.ipynb").read_text())
    namespace: dict = {}
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "quickstart.ipynb", "exec"), namespace)
    behaviors = namespace["behaviors"]
    assert list(behaviors.index) == ["mlp-v1", "mlp-v2", "mlp-v3", "mlp-v4"]
    assert (behaviors["all"] > 0.7).all()
    assert namespace["report"].rows == 600
    # the inline app builds its Bokeh model, with the digits cards in it
    root = namespace["app"].__panel__().get_root()
    texts = [m.text for m in root.references() if hasattr(m, "text") and isinstance(m.text, str)]
    assert any("zh-card" in t and "data:image/png;base64," in t for t in texts)
