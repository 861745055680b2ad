"""Reports, tests and test runs in the project database (a real SQLite file)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from zenohub.errors import NotFoundError, StoreError
from zenohub.store import MIGRATIONS, Report, Store


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "zenohub.db"


@pytest.fixture
def store(path: Path):
    with Store.sqlite(path) as store:
        yield store


def sql(path: Path, query: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(query).fetchall()


def test_report_crud(store: Store, path: Path) -> None:
    before = store.revision()
    made = store.create_report(
        " release ",
        {"slices": ["quiet"], "metrics": ["accuracy"]},
        [{"name": "a", "type": "threshold"}, {"name": "b", "type": "invariance"}],
    )
    assert isinstance(made, Report) and made.name == "release"
    assert [t.name for t in made.tests] == ["a", "b"] and made.tests[1].position == 1
    assert store.revision() == before + 1
    assert store.get_report("release") == store.get_report(made.id) == made
    changed = store.update_report("release", name="ship", tests=[{"name": "b"}])
    assert changed.spec == made.spec and [t.name for t in changed.tests] == ["b"]
    assert changed.created_at == made.created_at and changed.updated_at > made.updated_at
    with pytest.raises(StoreError, match="A report named 'ship' already exists"):
        store.create_report("ship")
    with pytest.raises(StoreError, match="Test names must be unique within a report; repeated: x"):
        store.update_report("ship", tests=[{"name": "x"}, {"name": "x"}])
    with pytest.raises(StoreError, match="must be JSON data"):
        store.create_report("bad", {"value": float("nan")})
    with pytest.raises(NotFoundError, match="No report named 'shp' \\(did you mean 'ship'\\?\\)"):
        store.get_report("shp")
    store.delete_report("ship")
    assert store.reports() == [] and sql(path, "SELECT count(*) FROM tests") == [(0,)]


def test_replace_reports_keeps_ids_of_kept_names(store: Store) -> None:
    kept = store.create_report("kept", {"a": 1}, [{"name": "t"}])
    store.create_report("dropped")
    store.replace_reports([("new", {}, []), ("kept", {"a": 2}, [{"name": "u"}])])
    reports = {r.name: r for r in store.reports()}
    assert set(reports) == {"kept", "new"}
    assert reports["kept"].id == kept.id and reports["kept"].spec == {"a": 2}
    assert [t.name for t in reports["kept"].tests] == ["u"]
    with pytest.raises(StoreError, match="Report names must be unique; repeated: x"):
        store.replace_reports([("x", {}, []), ("x", {}, [])])
    assert {r.name for r in store.reports()} == {"kept", "new"}  # nothing changed


def test_runs_and_history(store: Store) -> None:
    one = store.record_run(
        [
            {"report": "r", "test": "t", "model": "m1", "status": "pass", "value": 0.9},
            {"report": "r", "test": "t", "model": "m2", "status": "fail", "value": float("nan")},
        ],
        source="cli",
    )
    two = store.record_run(
        [{"report": "r", "test": "t", "model": "m2", "status": "cannot evaluate", "message": "?"}]
    )
    assert [r.id for r in store.runs()] == [two.id, one.id]
    assert store.runs(limit=1)[0].results[0].message == "?"
    history = store.test_history("r", "t", model="m2")
    assert [(h.run_id, h.status, h.value) for h in history] == [
        (two.id, "cannot evaluate", None),
        (one.id, "fail", None),
    ]
    assert history[1].source == "cli" and history[0].source == "python"
    assert len(store.test_history("r", "t")) == 3 and store.test_history("r", "other") == []
    with pytest.raises(StoreError, match="status is one of pass, fail, cannot evaluate"):
        store.record_run([{"report": "r", "test": "t", "model": "m", "status": "ok"}])


def test_a_database_at_the_previous_version_upgrades_and_keeps_its_slices(path: Path) -> None:
    with Store.sqlite(path, migrations=MIGRATIONS[:1]) as old:
        old.create_folder("audio")
        quiet = old.create_slice(
            "quiet", filter={"column": "volume", "op": "<", "value": 0.1}, folder="audio"
        )
        lasso = old.create_slice("lasso", ids=["a", "b"])
    assert sql(path, "SELECT value FROM zenohub_meta WHERE key = 'schema_version'") == [(1,)]
    with Store.sqlite(path) as new:
        assert sql(path, "SELECT value FROM zenohub_meta WHERE key = 'schema_version'") == [
            (len(MIGRATIONS),)
        ]
        assert new.slices() == [quiet, lasso]
        assert [f.name for f in new.folders()] == ["audio"]
        new.create_report("release", {"slices": ["quiet"]}, [{"name": "t"}])
        new.record_run([{"report": "release", "test": "t", "model": "m", "status": "pass"}])
    with Store.sqlite(path) as again:
        assert again.get_slice("quiet") == quiet
        assert [r.name for r in again.reports()] == ["release"]
        assert len(again.runs()) == 1
