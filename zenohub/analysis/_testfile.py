"""Tests as code: ``tests.toml`` beside the config holds the project's reports and tests.

The file is the source of truth: :func:`load_tests` makes the store's reports equal to it (and
creates or updates the slices it defines); every edit in the app goes through
:func:`put_report` / :func:`remove_report`, which write the file back (atomically, in the same
layout) so it is reviewed and versioned like code. Example::

    [[slices]]
    name = "dark digits"
    filter = { column = "distill:brightness", op = "<", value = 0.18 }

    [[reports]]
    name = "release checks"
    slices = ["dark digits"]
    metrics = ["accuracy"]

    [[reports.tests]]
    name = "accurate on dark digits"
    type = "threshold"
    metric = "accuracy"
    slice = "dark digits"
    op = ">="
    value = 0.9
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ZenohubError
from ..filters import filter_from_dict
from ._specs import EACH_SLICE, ReportSpec, TestDefinitionError

if TYPE_CHECKING:
    from ..project import Project

log = logging.getLogger(__name__)

TESTS_FILE = "tests.toml"
_HEADER = (
    "# zenohub behavioral tests: reports, their tests and the slices they use.\n"
    "# Run them with `zenohub test CONFIG`; the app writes this file back when a test is edited.\n"
)
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class SliceDef:
    """A slice as ``tests.toml`` defines it."""

    name: str
    filter: dict[str, Any] | None = None
    ids: tuple[str, ...] | None = None
    folder: str | None = None
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.folder:
            out["folder"] = self.folder
        if self.description:
            out["description"] = self.description
        if self.filter is not None:
            out["filter"] = self.filter
        if self.ids is not None:
            out["ids"] = list(self.ids)
        return out


@dataclass(frozen=True)
class TestsFile:
    """The content of a ``tests.toml``."""

    __test__ = False

    slices: tuple[SliceDef, ...]
    reports: tuple[ReportSpec, ...]


def tests_path(project: Project) -> Path:
    """Where a project's tests live: ``tests.toml`` beside its config."""
    return Path(project.config.base_dir) / TESTS_FILE


# -- reading -------------------------------------------------------------------------------------


def parse_tests(text: str, source: str = TESTS_FILE) -> TestsFile:
    """Validate the text of a tests file; errors name the file and what to fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TestDefinitionError(f"{source}: not valid TOML: {exc}.") from None
    for key in data:
        if key not in ("slices", "reports"):
            raise TestDefinitionError(
                f"{source}: unknown top-level key '{key}'; a tests file has [[slices]] and "
                "[[reports]] (with [[reports.tests]] and [[reports.charts]])."
            )
    try:
        slices = tuple(_slice_def(d) for d in data.get("slices", []))
        reports = tuple(ReportSpec.from_dict(d) for d in data.get("reports", []))
    except TestDefinitionError as exc:
        raise TestDefinitionError(f"{source}: {exc}") from None
    for what, names in (("slice", [s.name for s in slices]), ("report", [r.name for r in reports])):
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise TestDefinitionError(f"{source}: {what} names repeat: {', '.join(dupes)}.")
    return TestsFile(slices, reports)


def read_tests(path: str | Path) -> TestsFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TestDefinitionError(f"Cannot read tests file {path}: {exc.strerror}.") from None
    return parse_tests(text, str(path))


def _slice_def(d: Any) -> SliceDef:
    if not isinstance(d, Mapping) or not isinstance(d.get("name"), str) or not d["name"].strip():
        raise TestDefinitionError(f"Every [[slices]] entry needs a 'name', got {d!r}.")
    name = d["name"].strip()
    allowed = {"name", "filter", "ids", "folder", "description"}
    extra = set(d) - allowed
    if extra:
        raise TestDefinitionError(
            f"slice '{name}': unknown key(s) {', '.join(sorted(extra))}; keys: "
            f"{', '.join(sorted(allowed))}."
        )
    flt = d.get("filter")
    ids = d.get("ids")
    if flt is None and ids is None:
        raise TestDefinitionError(f"slice '{name}' needs a 'filter', 'ids', or both.")
    if flt is not None:
        try:
            filter_from_dict(flt)
        except ZenohubError as exc:
            raise TestDefinitionError(f"slice '{name}': {exc}") from None
    if ids is not None and not isinstance(ids, list):
        raise TestDefinitionError(f"slice '{name}': 'ids' must be a list, got {ids!r}.")
    return SliceDef(
        name=name,
        filter=dict(flt) if flt is not None else None,
        ids=tuple(str(i) for i in ids) if ids is not None else None,
        folder=d.get("folder") or None,
        description=str(d.get("description", "")),
    )


# -- the store -----------------------------------------------------------------------------------


def stored_reports(project: Project) -> list[ReportSpec]:
    """The project's reports as specs, from the store."""
    out = []
    for report in project.store.reports():
        d = {**report.spec, "name": report.name, "tests": [t.spec for t in report.tests]}
        out.append(ReportSpec.from_dict(d))
    return out


def _store_items(reports: Iterable[ReportSpec]) -> list[tuple[str, dict[str, Any], list[Any]]]:
    items = []
    for r in reports:
        spec = r.to_dict(with_tests=False)
        spec.pop("name")
        items.append((r.name, spec, [t.to_dict() for t in r.tests]))
    return items


def load_tests(project: Project, path: str | Path | None = None) -> TestsFile | None:
    """Load ``tests.toml`` into the store: its slices (created or updated) and exactly its reports.

    Returns the file's content, or None when there is no file (the store is left as it is).
    """
    path = Path(path) if path is not None else tests_path(project)
    if not path.exists():
        return None
    content = read_tests(path)
    store = project.store
    existing = {s.name: s for s in store.slices()}
    folders = {f.name for f in store.folders()}
    for sd in content.slices:
        if sd.folder and sd.folder not in folders:
            store.create_folder(sd.folder)
            folders.add(sd.folder)
        ids = list(sd.ids) if sd.ids is not None else None
        old = existing.get(sd.name)
        if old is None:
            store.create_slice(sd.name, sd.filter, ids, sd.folder, sd.description)
        elif (old.filter, old.ids) != (_canonical(sd.filter), ids):
            log.info("Updating slice %r from %s", sd.name, path)
            store.update_slice(sd.name, filter=sd.filter, ids=ids)
    store.replace_reports(_store_items(content.reports))
    return content


def _canonical(flt: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if flt is None else filter_from_dict(flt).to_dict()  # type: ignore[union-attr]


def save_tests(project: Project, path: str | Path | None = None) -> Path:
    """Write the store's reports (and the slices they use) to ``tests.toml``, atomically."""
    path = Path(path) if path is not None else tests_path(project)
    reports = stored_reports(project)
    used: dict[str, None] = {}
    for r in reports:
        used.update(dict.fromkeys(r.slices))
        used.update(dict.fromkeys(t.slice for t in r.tests if t.slice and t.slice != EACH_SLICE))
    store = project.store
    folders = {f.id: f.name for f in store.folders()}
    defs = []
    for s in store.slices():
        if s.name in used:
            defs.append(
                SliceDef(
                    s.name,
                    s.filter,
                    tuple(s.ids) if s.ids is not None else None,
                    folders.get(s.folder_id) if s.folder_id else None,
                    s.description,
                )
            )
    text = dumps_tests(defs, reports)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise TestDefinitionError(
            f"Cannot write {path}: {exc.strerror}; the change is in the project database and "
            "is written with the next edit."
        ) from None
    return path


def _check_editable(project: Project) -> Path:
    """The tests file to write back, if the app may: an editable project and a valid file."""
    if not project.config.editable:
        raise TestDefinitionError(
            f"{project.config.source}: the project is read-only (editable = false); "
            "edit tests.toml instead."
        )
    path = tests_path(project)
    if path.exists():
        try:
            read_tests(path)
        except TestDefinitionError as exc:
            raise TestDefinitionError(
                f"{exc} Fix the file before editing tests in the app (it would be overwritten)."
            ) from None
    return path


def put_report(project: Project, report: ReportSpec, old_name: str | None = None) -> ReportSpec:
    """Create or replace a report (renaming ``old_name``), then write ``tests.toml`` back."""
    path = _check_editable(project)
    store = project.store
    ((name, spec, tests),) = _store_items([report])
    existing = {r.name for r in store.reports()}
    if old_name is not None and old_name in existing:
        store.update_report(old_name, name=name, spec=spec, tests=tests)
    elif name in existing:
        store.update_report(name, spec=spec, tests=tests)
    else:
        store.create_report(name, spec, tests)
    save_tests(project, path)
    return report


def remove_report(project: Project, name: str) -> None:
    """Delete a report and write ``tests.toml`` back."""
    path = _check_editable(project)
    project.store.delete_report(name)
    save_tests(project, path)


# -- writing -------------------------------------------------------------------------------------


def dumps_tests(slices: Sequence[SliceDef], reports: Sequence[ReportSpec]) -> str:
    """The TOML text of a tests file, one table per slice, report, chart and test."""
    out = [_HEADER]
    for sd in slices:
        out.append("\n[[slices]]\n")
        out.extend(_pairs(sd.to_dict()))
    for report in reports:
        d = report.to_dict()
        charts = d.pop("charts", [])
        tests = d.pop("tests", [])
        out.append("\n[[reports]]\n")
        out.extend(_pairs(d))
        for chart in charts:
            out.append("\n[[reports.charts]]\n")
            out.extend(_pairs(chart))
        for test in tests:
            out.append("\n[[reports.tests]]\n")
            out.extend(_pairs(test))
    text = "".join(out)
    parse_tests(text)  # never write a file zenohub cannot read back
    return text


def _pairs(d: Mapping[str, Any]) -> list[str]:
    return [f"{_key(k)} = {_value(v)}\n" for k, v in d.items() if v is not None]


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TestDefinitionError(f"Cannot write {value!r} to a tests file.")
