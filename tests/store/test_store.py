"""The project database on a real SQLite file: CRUD, reopening, migrations, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table

from zenohub.errors import FilterError, NotFoundError, StoreError
from zenohub.filters import FilterGroup, Predicate, filter_from_dict
from zenohub.store import MIGRATIONS, Folder, Slice, Store

QUIET = Predicate("volume", "<", 0.1)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "zenohub.db"


@pytest.fixture
def store(path: Path):
    with Store.sqlite(path) as store:
        yield store


def sql(path: Path, query: str) -> list[tuple]:
    """Read the file behind the store's back, as another tool would."""
    with sqlite3.connect(path) as conn:
        return conn.execute(query).fetchall()


def test_crud_round_trip(store: Store, path: Path):
    assert path.exists() and sql(path, "PRAGMA journal_mode") == [("wal",)]
    audio = store.create_folder(" audio ")
    assert isinstance(audio, Folder) and audio.name == "audio"
    quiet = store.create_slice("quiet", filter=QUIET, folder="audio", description="very low")
    lasso = store.create_slice("lasso", ids=["a7", 12, "a7", "b2"])
    both = store.create_slice("both", filter=QUIET.to_dict(), ids=["a7"], folder=audio.id)

    assert isinstance(quiet, Slice)
    assert (quiet.folder_id, quiet.description, quiet.ids) == (audio.id, "very low", None)
    assert filter_from_dict(quiet.filter) == QUIET
    assert lasso.ids == ["a7", "12", "b2"] and lasso.filter is None
    assert quiet.created_at.tzinfo is UTC and quiet.created_at <= datetime.now(UTC)
    assert store.get_slice("quiet") == store.get_slice(quiet.id) == quiet
    assert [s.name for s in store.slices()] == ["quiet", "lasso", "both"]
    assert [s.name for s in store.slices(folder="audio")] == ["quiet", "both"]
    assert [s.name for s in store.slices(folder=None)] == ["lasso"]
    assert both.filter == quiet.filter and both.ids == ["a7"]

    loud = FilterGroup.any_of(Predicate("volume", ">", 0.8), Predicate("label", "==", "siren"))
    updated = store.update_slice("quiet", name="loud", filter=loud, description="")
    assert (updated.id, updated.name, updated.folder_id) == (quiet.id, "loud", audio.id)
    assert filter_from_dict(updated.filter) == loud
    assert updated.created_at == quiet.created_at and updated.updated_at > quiet.updated_at
    assert store.update_slice("lasso", filter=QUIET, ids=None).ids is None

    assert store.move_slice("loud", None).folder_id is None
    assert store.move_slice("loud", "audio").folder_id == audio.id
    store.update_slice("loud", folder=None)
    assert store.get_slice("loud").folder_id is None

    assert store.rename_folder("audio", "sound").name == "sound"
    assert store.folders() == [Folder(audio.id, "sound", audio.created_at)]
    store.delete_slice("loud")
    with pytest.raises(NotFoundError):
        store.get_slice("loud")
    assert [s.name for s in store.slices()] == ["lasso", "both"]


def test_survives_reopening(path: Path):
    with Store.sqlite(path) as store:
        store.create_folder("f")
        saved = store.create_slice("s", filter=QUIET, ids=[1, 2], folder="f", description="d")
        revision = store.revision()
    with Store(f"sqlite:///{path}") as again:
        assert again.get_slice("s") == saved
        assert [f.name for f in again.folders()] == ["f"]
        assert again.revision() == revision


def test_deleting_a_folder_keeps_its_slices_unless_asked(store: Store):
    store.create_folder("keep")
    store.create_folder("drop")
    for name, folder in [("a", "keep"), ("b", "keep"), ("c", "drop"), ("d", None)]:
        store.create_slice(name, filter=QUIET, folder=folder)
    assert store.delete_folder("keep") == 2
    assert [s.name for s in store.slices(folder=None)] == ["a", "b", "d"]
    assert store.delete_folder("drop", delete_slices=True) == 1
    assert [s.name for s in store.slices()] == ["a", "b", "d"]
    assert store.folders() == []


def test_names_are_unique_stripped_and_non_empty(store: Store):
    store.create_slice("quiet", filter=QUIET)
    store.create_slice("loud", filter=QUIET)
    store.create_folder("audio")
    store.create_folder("quiet")  # folders and slices have separate names
    with pytest.raises(StoreError, match="A slice named 'quiet' already exists"):
        store.create_slice(" quiet ", ids=["1"])
    with pytest.raises(StoreError, match="A slice named 'loud' already exists"):
        store.update_slice("quiet", name="loud")
    with pytest.raises(StoreError, match="A folder named 'audio' already exists"):
        store.create_folder("audio")
    with pytest.raises(StoreError, match="A folder named 'audio' already exists"):
        store.rename_folder("quiet", "audio")
    with pytest.raises(StoreError, match="A slice name must be non-empty text, got '  '"):
        store.create_slice("  ", filter=QUIET)
    assert store.update_slice("quiet", name=" quiet ").name == "quiet"  # renaming to itself


def test_not_found_names_what_was_asked_and_what_exists(store: Store):
    with pytest.raises(
        NotFoundError, match=r"^No folder named 'audio'; there are no folders yet\.$"
    ):
        store.create_slice("x", filter=QUIET, folder="audio")
    store.create_slice("quiet", filter=QUIET)
    store.create_slice("loud", filter=QUIET)
    with pytest.raises(NotFoundError) as info:
        store.get_slice("quite")
    assert str(info.value) == (
        "No slice named 'quite' (did you mean 'quiet'?); existing slices: 'quiet', 'loud'."
    )
    with pytest.raises(NotFoundError, match="No slice with id 99; existing slices: 'quiet'"):
        store.delete_slice(99)
    for i in range(10):
        store.create_folder(f"f{i}")
    with pytest.raises(NotFoundError, match=r"existing folders: 'f0', .* 'f7', \.\.\.\.$"):
        store.slices(folder="nope")
    assert issubclass(NotFoundError, StoreError)


def test_slice_content_is_checked(store: Store):
    with pytest.raises(StoreError, match="Slice 'x' needs a filter, a list of instance ids"):
        store.create_slice("x")
    with pytest.raises(FilterError, match="filter is missing 'op'"):
        store.create_slice("x", filter={"column": "volume"})
    with pytest.raises(StoreError, match="ids must be a list of instance ids, got 'abc'"):
        store.create_slice("x", ids="abc")
    with pytest.raises(StoreError, match=r"Instance ids must be text or integers, got 1\.5"):
        store.create_slice("x", ids=[1.5])
    store.create_slice("x", ids=["1"])
    with pytest.raises(StoreError, match="Slice 'x' needs a filter"):
        store.update_slice("x", ids=None)
    assert store.get_slice("x").ids == ["1"]  # the refused change left nothing behind


def test_revision_grows_with_every_write_only(store: Store, path: Path):
    seen = [store.revision()]

    def wrote() -> None:
        seen.append(store.revision())
        assert seen[-1] == seen[-2] + 1

    store.create_folder("f")
    wrote()
    store.create_slice("s", filter=QUIET)
    wrote()
    store.update_slice("s", description="d")
    wrote()
    store.move_slice("s", "f")
    wrote()
    store.rename_folder("f", "g")
    wrote()
    store.delete_folder("g")
    wrote()
    store.delete_slice("s")
    wrote()
    store.slices(), store.folders()
    with pytest.raises(StoreError):
        store.get_slice("s")
    with pytest.raises(StoreError):
        store.rename_folder("nope", "x")  # refused writes do not count
    assert store.revision() == seen[-1]
    with Store.sqlite(path) as other:
        other.create_folder("from elsewhere")
    assert store.revision() == seen[-1] + 1


# -- migrations ---------------------------------------------------------------------------------


def _v2_notes(conn: Connection) -> None:
    md = MetaData()
    Table("notes", md, Column("id", Integer, primary_key=True))
    md.create_all(conn)


def _v2_broken(conn: Connection) -> None:
    _v2_notes(conn)
    raise RuntimeError("migration bug")


def test_an_older_database_is_upgraded(path: Path):
    with Store.sqlite(path) as old:
        assert sql(path, "SELECT value FROM zenohub_meta WHERE key = 'schema_version'") == [
            (len(MIGRATIONS),)
        ]
        saved = old.create_slice("kept", filter=QUIET)
    with Store.sqlite(path, migrations=[*MIGRATIONS, _v2_notes]) as new:
        assert new.get_slice("kept") == saved
    assert sql(path, "SELECT value FROM zenohub_meta WHERE key = 'schema_version'") == [
        (len(MIGRATIONS) + 1,)
    ]
    assert sql(path, "SELECT count(*) FROM notes") == [(0,)]
    # the code that only knows the older schema now refuses the file
    with pytest.raises(StoreError, match=r"written by a newer zenohub\. Upgrade zenohub"):
        Store.sqlite(path)


def test_a_failed_migration_changes_nothing(path: Path):
    Store.sqlite(path).close()
    with pytest.raises(RuntimeError, match="migration bug"):
        Store.sqlite(path, migrations=[*MIGRATIONS, _v2_broken])
    assert sql(path, "SELECT name FROM sqlite_master WHERE name = 'notes'") == []
    with Store.sqlite(path) as store:
        assert store.slices() == []


def test_a_newer_database_is_refused(path: Path):
    Store.sqlite(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE zenohub_meta SET value = 99 WHERE key = 'schema_version'")
    with pytest.raises(StoreError) as info:
        Store.sqlite(path)
    assert (
        f"has schema version 99, but this zenohub only knows versions up to {len(MIGRATIONS)}"
        in (str(info.value))
    )
    assert "pip install -U zenohub" in str(info.value)


def test_bad_urls_and_closed_stores(tmp_path: Path):
    with pytest.raises(StoreError, match="Cannot read database URL 'not a url'"):
        Store("not a url")
    with pytest.raises(StoreError) as info:
        Store("mysql+mysqldb://u:secret@nowhere.invalid/db")  # no driver here, or no server
    assert "mysql+mysqldb://u:***@nowhere.invalid/db" in str(info.value)
    assert "secret" not in str(info.value)
    store = Store.sqlite(tmp_path / "x.db")
    store.close()
    with pytest.raises(StoreError, match="is closed"):
        store.slices()


# -- two processes writing at once --------------------------------------------------------------


def _create_many(url: str, prefix: str, start) -> None:
    with Store(url) as store:
        start.wait()
        for i in range(50):
            store.create_slice(f"{prefix}-{i}", ids=[str(i)])


@pytest.mark.slow
def test_two_processes_write_at_once(path: Path):
    with Store.sqlite(path) as store:
        before = store.revision()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    url = f"sqlite:///{path}"
    workers = [ctx.Process(target=_create_many, args=(url, p, start)) for p in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with Store.sqlite(path) as store:
        names = {s.name for s in store.slices()}
        assert names == {f"{p}-{i}" for p in "ab" for i in range(50)}
        assert store.revision() == before + 100
