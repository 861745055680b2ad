"""Loading datasets and functions: every supported file format gives the same project table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import TOY
from zenohub import ConfigError, DataError, FunctionError, Project
from zenohub.data import collect_functions, prepare_table, read_dataset


def write_as(data: pd.DataFrame, path: Path) -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        data.to_csv(path, index=False)
    elif suffix == ".tsv":
        data.to_csv(path, sep="\t", index=False)
    elif suffix == ".parquet":
        data.to_parquet(path, index=False)
    elif suffix == ".jsonl":
        data.to_json(path, orient="records", lines=True)
    return path


@pytest.fixture(scope="module")
def toy_data() -> pd.DataFrame:
    return pd.read_csv(TOY / "data.csv")


@pytest.mark.parametrize("suffix", [".tsv", ".parquet", ".jsonl"])
def test_every_format_gives_the_same_processed_table(
    toy: Path, toy_data: pd.DataFrame, toy_processed: Project, suffix: str
) -> None:
    path = write_as(toy_data, toy / f"data{suffix}")
    (toy / "data.csv").unlink()
    config = toy / "config.toml"
    config.write_text(config.read_text().replace('"data.csv"', f'"{path.name}"'))
    project = Project.from_config(config)
    project.process()
    pd.testing.assert_frame_equal(project.table, toy_processed.table)
    assert {k: c.ctype for k, c in project.columns.items()} == {
        k: c.ctype for k, c in toy_processed.columns.items()
    }


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_read_dataset_round_trips(tmp_path: Path, toy_data: pd.DataFrame, suffix: str) -> None:
    got = read_dataset(write_as(toy_data, tmp_path / f"d{suffix}"))
    pd.testing.assert_frame_equal(got, toy_data)


def test_unsupported_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"not really")
    with pytest.raises(
        DataError,
        match=r"unsupported file type '\.xlsx'\. Use one of \.csv, \.tsv, \.parquet, \.pq, "
        r"\.jsonl, \.ndjson, \.json\.",
    ):
        read_dataset(path)


def test_missing_and_unparsable_dataset_files(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"Dataset file .*gone\.csv does not exist \(key 'metadata'"
    ):
        read_dataset(tmp_path / "gone.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"definitely not parquet")
    with pytest.raises(DataError, match=r"Cannot read dataset .*bad\.parquet: "):
        read_dataset(bad)


def test_id_column_defaults() -> None:
    unique = pd.DataFrame({"path": ["a.png", "b.png"], "y": [0, 1]})
    table, id_column = prepare_table(unique, "", "path", "", 0, 0, "src")
    assert id_column == "path" and list(table.columns) == ["path", "y"]

    repeated = pd.DataFrame({"text": ["hi", "hi", "yo"]})
    table, id_column = prepare_table(repeated, "", "text", "", 0, 0, "src")
    assert id_column == "id" and table["id"].tolist() == ["0", "1", "2"]

    # an existing unique 'id' column is the id, even when the data column is unique too
    table, id_column = prepare_table(
        pd.DataFrame({"id": [7, 9], "t": ["a", "b"]}), "", "t", "", 0, 0, "src"
    )
    assert id_column == "id" and table["id"].tolist() == [7, 9]
    with pytest.raises(DataError, match=r"'id' column is not a unique id and id_column is not"):
        prepare_table(pd.DataFrame({"id": [1, 1], "t": ["a", "a"]}), "", "t", "", 0, 0, "src")
    with pytest.raises(DataError, match=r"id column 'k' has 1 missing values"):
        prepare_table(pd.DataFrame({"k": ["a", None]}), "k", "", "", 0, 0, "src")
    with pytest.raises(DataError, match=r"label_column 'lable' is not a column of the dataset"):
        prepare_table(unique, "", "path", "lable", 0, 0, "src")


def test_samples_are_reproducible_and_keep_row_order(toy_data: pd.DataFrame) -> None:
    a, _ = prepare_table(toy_data, "id", "x", "label", 50, 7, "src")
    b, _ = prepare_table(toy_data, "id", "x", "label", 50, 7, "src")
    c, _ = prepare_table(toy_data, "id", "x", "label", 50, 8, "src")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 50 and not a["id"].equals(c["id"])
    assert a["id"].is_monotonic_increasing  # ids r000.. in file order: sampling keeps the order


def test_loader_builds_the_dataset(tmp_path: Path) -> None:
    (tmp_path / "make.py").write_text(
        "import pandas as pd\n"
        "def build(output_path):\n"
        "    return pd.DataFrame({'id': ['a', 'b'], 'v': [1.5, 2.5], 'where': [output_path] * 2})\n"
    )
    config = tmp_path / "config.toml"
    config.write_text('loader = "make.py:build"\nid_column = "id"\n')
    project = Project.from_config(config)
    assert project.table["v"].tolist() == [1.5, 2.5] and project.id_column == "id"
    assert project.table["where"].iloc[0] == str(tmp_path / ".zenohub_cache" / "data")

    config.write_text('loader = "make.py:biuld"\n')
    with pytest.raises(ConfigError, match=r"has no function 'biuld' \(did you mean 'build'\?\)"):
        Project.from_config(config).load()
    config.write_text('loader = "nothere.py:build"\n')
    with pytest.raises(ConfigError, match=r"Loader file .*nothere\.py does not exist"):
        Project.from_config(config).load()


def test_function_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"neither a folder nor an existing \.py file"):
        collect_functions(str(tmp_path / "missing"))
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy\nraise RuntimeError('half written')\n")
    with pytest.raises(FunctionError, match=r"Importing .*broken\.py failed: RuntimeError: half"):
        collect_functions(str(broken))
    with pytest.raises(FunctionError, match=r"is not decorated with @model, @distill"):
        collect_functions([np.mean])
    twins = tmp_path / "twins"
    twins.mkdir()
    for n in (1, 2):
        (twins / f"f{n}.py").write_text(
            "from zenohub import distill\n@distill\ndef size(df, ops):\n    return [1] * len(df)\n"
        )
    with pytest.raises(FunctionError, match=r"Two distill functions are named 'size'"):
        collect_functions(str(twins))


def test_toy_functions_are_found_by_kind() -> None:
    found = collect_functions(str(TOY / "functions"))
    kinds = sorted((spec.kind.value, spec.name) for _, spec in found)
    assert kinds == [
        ("distill", "correct"),
        ("distill", "x_squared"),
        ("distill", "x_squared_plus_one"),
        ("metric", "accuracy"),
        ("metric", "error_rate"),
        ("metric", "median_confidence"),
        ("model", "load_model"),
        ("transform", "shift"),
    ]
