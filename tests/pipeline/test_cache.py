"""The column cache: round trips, and corrupt files detected and recomputed, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zenohub import CacheError, Project
from zenohub.pipeline import ColumnCache

IDS = ["a", "b", "c", "d"]


def values_equal(got, want) -> None:
    got = list(got.tolist() if isinstance(got, np.ndarray | pd.Series) else got)
    want = list(want.tolist() if isinstance(want, np.ndarray | pd.Series) else want)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        if w is None or (isinstance(w, float) and np.isnan(w)):
            assert g is None or (isinstance(g, float) and np.isnan(g))  # missing stays missing
        else:
            assert (list(g) if isinstance(g, np.ndarray) else g) == w


COLUMNS = {
    "ints": np.array([1, 2, 3, 4]),
    "floats": np.array([0.5, np.nan, -1.0, 1e300]),
    "bools": np.array([True, False, True, True]),
    "strings": ["x", "", "ü", None],
    "lists": [[1, 2], [], [3], [4, 5, 6]],
    "objects": [{"a": 1}, {"b": 2}, {1, 2}, (3, 4)],
    "series": pd.Series(["p", "q", "p", "q"], dtype="category"),
}


def test_columns_round_trip(tmp_path: Path) -> None:
    cache = ColumnCache(tmp_path)
    shas = cache.put("k1", IDS, COLUMNS, {"job": "distill demo"})
    assert sorted(shas) == sorted(COLUMNS)
    got = cache.get("k1", IDS)
    assert got is not None and got.shas == shas and cache.problems == []
    assert got.manifest["job"] == "distill demo" and got.manifest["rows"] == 4
    for name, want in COLUMNS.items():
        values_equal(got.columns[name], want)
    # one Parquet file per column, beside the manifest
    files = sorted(p.name for p in (tmp_path / "columns").glob("k1.*"))
    assert files == sorted(["k1.json"] + [f"k1.{i}.parquet" for i in range(len(COLUMNS))])


def test_embeddings_stay_two_dimensional(tmp_path: Path) -> None:
    cache = ColumnCache(tmp_path)
    emb = np.arange(12, dtype=np.float64).reshape(4, 3)
    cache.put("emb", IDS, {"embedding": emb}, {})
    got = cache.get("emb", IDS)
    assert got is not None
    np.testing.assert_array_equal(got.columns["embedding"], emb)


def test_same_values_give_the_same_content_hash(tmp_path: Path) -> None:
    cache = ColumnCache(tmp_path)
    a = cache.put("a", IDS, {"v": np.array([1.0, 2.0, 3.0, 4.0])}, {})
    b = cache.put("b", IDS, {"v": [1.0, 2.0, 3.0, 4.0]}, {"job": "other"})
    c = cache.put("c", IDS, {"v": [1.0, 2.0, 3.0, 5.0]}, {})
    assert a == b and a != c


def test_missing_entry_is_not_a_problem(tmp_path: Path) -> None:
    cache = ColumnCache(tmp_path)
    assert cache.get("nothing", IDS) is None and cache.problems == []


def test_entry_for_other_ids_is_not_used(tmp_path: Path) -> None:
    cache = ColumnCache(tmp_path)
    cache.put("k", IDS, {"v": [1, 2, 3, 4]}, {"job": "distill v"})
    assert cache.get("k", ["a", "b", "d", "c"]) is None
    assert "computed for other ids" in cache.problems[0]
    assert not list((tmp_path / "columns").glob("k.*"))  # dropped, so it is rebuilt


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_damaged_entry_is_reported_and_dropped(tmp_path: Path, damage: str) -> None:
    cache = ColumnCache(tmp_path)
    cache.put("k", IDS, {"first": [1, 2, 3, 4], "second": ["a", "b", "c", "d"]}, {"job": "demo"})
    target = tmp_path / "columns" / "k.1.parquet"
    data = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        mid = len(data) // 2
        target.write_bytes(
            data[:mid] + bytes(b ^ 0xFF for b in data[mid : mid + 8]) + data[mid + 8 :]
        )
    elif damage == "delete":
        target.unlink()
    else:
        (tmp_path / "columns" / "k.json").write_text('{"files": ')
    assert cache.get("k", IDS) is None
    [problem] = cache.problems
    why = {
        "truncate": "checksum mismatch",
        "flip": "checksum mismatch",
        "delete": "data file is missing",
        "manifest": "unreadable manifest",
    }[damage]
    assert why in problem and "it is recomputed" in problem
    if damage != "manifest":
        assert "[demo: second (k.1.parquet)]" in problem
    assert not list((tmp_path / "columns").glob("k.*"))


def test_finished_batches_round_trip_and_corrupt_ones_are_dropped(tmp_path: Path) -> None:
    cache = ColumnCache(tmp_path)
    cache.put_part("run", 0, 2, IDS[:2], {"value": [1, 2]}, {"deps": {}})
    cache.put_part("run", 2, 4, IDS[2:], {"value": [3, 4]}, {"deps": {"x": "sha"}})
    first = cache.get_part("run", 0, 2, IDS[:2])
    assert first is not None and list(first.columns["value"]) == [1, 2]
    second = cache.get_part("run", 2, 4, IDS[2:])
    assert second is not None and second.manifest["deps"] == {"x": "sha"}
    assert cache.get_part("run", 4, 6, ["e", "f"]) is None and cache.problems == []

    part = next((tmp_path / "columns" / "parts" / "run").glob("0000000000-*.parquet"))
    part.write_bytes(part.read_bytes()[:-10])
    assert cache.get_part("run", 0, 2, IDS[:2]) is None
    assert "finished batch 0-2 of run run… was corrupt (checksum mismatch" in cache.problems[0]
    cache.drop_parts("run")
    assert not (tmp_path / "columns" / "parts" / "run").exists()


def test_unusable_cache_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CacheError, match=r"Cannot create the cache folder .*Set `cache_path`"):
        ColumnCache(blocker / "cache")


# --- a processed project with damaged cache files ---------------------------------------------
def entry_file(toy: Path, job: str, column: str) -> Path:
    """The Parquet file holding ``column`` of ``job`` ("distill x_squared", "model ...")."""
    folder = toy / ".zenohub_cache" / "columns"
    for manifest in folder.glob("*.json"):
        meta = json.loads(manifest.read_text())
        if meta.get("job") == job:
            return folder / meta["files"][column]["file"]
    raise AssertionError(f"no cache entry for {job}")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 16] = bytes(b ^ 0x5A for b in data[mid : mid + 16])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("job", "column", "damage"),
    [
        ("distill x_squared", "value", truncate),
        ("model load_model @m-1", "output", flip_middle),
        ("model load_model @m-2 ~shift", "embedding", truncate),
    ],
)
def test_corrupt_column_file_is_recomputed(
    toy: Path, toy_processed: Project, job: str, column: str, damage
) -> None:
    Project.from_config(toy / "config.toml").process()
    damaged = entry_file(toy, job, column)
    damage(damaged)

    project = Project.from_config(toy / "config.toml")
    report = project.process()
    [problem] = report.problems
    assert f"[{job}: {column} ({damaged.name})]" in problem and "checksum mismatch" in problem
    assert report.computed == [job]  # its dependents saw identical values: still cached
    pd.testing.assert_frame_equal(project.table, toy_processed.table)
    model = job.split("@")[1].split(" ")[0] if "@" in job else "m-1"
    transform = "shift" if "~shift" in job else None
    np.testing.assert_array_equal(
        project.embedding(model, transform), toy_processed.embedding(model, transform)
    )
    assert Project.from_config(toy / "config.toml").process().problems == []


def test_unreadable_detections_record_is_rebuilt(toy: Path, toy_processed: Project) -> None:
    Project.from_config(toy / "config.toml").process()
    (toy / ".zenohub_cache" / "detections.json").write_text("{ half")
    project = Project.from_config(toy / "config.toml")
    report = project.process()
    assert report.problems == [
        "detections.json was unreadable (Expecting property name "
        "enclosed in double quotes: line 1 column 3 (char 2)); it is rebuilt"
    ]
    assert report.per_model == toy_processed.report.per_model  # type: ignore[union-attr]
    pd.testing.assert_frame_equal(project.table, toy_processed.table)
