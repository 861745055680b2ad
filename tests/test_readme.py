"""The README's tutorial runs as written, and its config reference lists every key."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zenohub import Project
from zenohub.config import KEYS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _block(lang: str, marker: str) -> str:
    for body in re.findall(rf"```{lang}\n(.*?)```", README, re.S):
        if marker in body:
            return body
    raise AssertionError(f"no ```{lang} block containing {marker!r} in README.md")


def test_config_reference_lists_every_key() -> None:
    table = README.split("## Config reference", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", table, re.M))
    assert listed == set(KEYS)


@pytest.fixture
def tutorial(tmp_path: Path) -> Path:
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "sentiment.py").write_text(
        _block("python", "# functions/sentiment.py")
    )
    (tmp_path / "config.toml").write_text(
        _block("toml", "# config.toml") + "multiprocessing = false\n"
    )
    pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "text": ["good film", "awful plot", "great great acting", "bad", "it was fine"],
            "label": ["positive", "negative", "positive", "negative", "positive"],
        }
    ).to_csv(tmp_path / "reviews.csv", index=False)
    return tmp_path / "config.toml"


def test_tutorial_project_processes(tutorial: Path) -> None:
    project = Project.from_config(tutorial)
    report = project.process()
    assert report.ok
    assert report.per_model == {"length": False, "correct": True}
    # lexicon-v1 scores: 1, -2, 4, -1, 0 -> positive, negative, positive, negative, negative
    assert project.metric("accuracy", model="lexicon-v1") == pytest.approx(4 / 5)
    # lexicon-v2 adds 1: 2, -1, 5, 0, 1 -> pos, neg, pos, neg, pos
    assert project.metric("accuracy", model="lexicon-v2") == pytest.approx(1.0)
    from zenohub.filters import Predicate

    short = Predicate("distill:length", "<", 10)  # "good film", "bad"
    assert project.metric("accuracy", model="lexicon-v1", filter=short) == pytest.approx(1.0)
    shouted = project.table["data:text~shout"].tolist()
    assert shouted[0] == "GOOD FILM"
    # the lexicon lower-cases, so shouting changes nothing
    assert project.metric("accuracy", model="lexicon-v1", transform="shout") == pytest.approx(0.8)
    np.testing.assert_array_equal(project.embedding("lexicon-v1")[:, 0], [1, -2, 4, -1, 0])
