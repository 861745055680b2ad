"""The Hub page's state: search, filters, the function on show, install and re-process.

A ``param.Parameterized`` with no Panel import; :class:`zenohub.ui.hub.Hub` is the view over it.
"""

from __future__ import annotations

import logging
from typing import Any

import param

from ..errors import ZenohubError
from .api import install, installed
from .catalog import Catalog
from .client import open_hub
from .manifest import DATA_TYPES, KINDS

log = logging.getLogger(__name__)


def reload_functions(project: Any) -> None:
    """Make a loaded project read its functions (and installed hub functions) again."""
    project.reload()


class HubBrowser(param.Parameterized):
    """Browse a hub and install into ``project``."""

    hub = param.ClassSelector(class_=Catalog, doc="""The hub browsed.""")  # type: ignore[type-abstract]
    project = param.Parameter(default=None, doc="""The project installs go into (or None).""")
    query = param.String(default="", doc="""Words matched against name, summary and tags.""")
    kind: param.Selector = param.Selector(
        default="", objects=["", *KINDS], doc="""Only this kind."""
    )
    data_type: param.Selector = param.Selector(
        default="", objects=["", *DATA_TYPES], doc="""Only this type."""
    )
    tag = param.String(default="", doc="""Only functions with this tag.""")
    results = param.List(default=[], doc="""Matching manifests, best first.""")
    selected = param.String(default="", doc="""Name of the function on show.""")
    version = param.String(default="", doc="""Its version on show ('' = newest).""")
    page = param.Dict(default=None, allow_None=True, doc="""The function on show (show()).""")
    message = param.String(default="", doc="""The outcome of the last action or error.""")
    installed_version = param.String(default="", doc="""Version of it in the project lock.""")
    can_process = param.Boolean(default=False, doc="""An install awaits re-processing.""")
    processing = param.Boolean(default=False, doc="""Processing is running.""")

    def __init__(self, **params: Any) -> None:
        if params.get("hub") is None:
            project = params.get("project")
            cfg = getattr(project, "config", None)
            params["hub"] = open_hub(cfg.hub or None, base=cfg.base_dir) if cfg else open_hub()
        super().__init__(**params)
        self._on_search()

    @property
    def catalog(self) -> Catalog:
        assert isinstance(self.hub, Catalog)
        return self.hub

    @param.depends("query", "kind", "data_type", "tag", watch=True)
    def _on_search(self) -> None:
        try:
            self.results = self.catalog.search(self.query, self.kind, self.data_type, self.tag)
            self.message = ""
        except ZenohubError as exc:
            self.results, self.message = [], str(exc)

    @param.depends("selected", "version", watch=True)
    def _on_selected(self) -> None:
        if not self.selected:
            self.page = None
            return
        try:
            self.page = self.catalog.show(self.selected, self.version or None)
            self.message = ""
        except ZenohubError as exc:
            self.page, self.message = None, str(exc)
        self._refresh_installed()

    def open(self, name: str, version: str = "") -> None:
        """Show ``name`` (at ``version``)."""
        with param.parameterized.batch_call_watchers(self):
            self.version = version
            self.selected = name

    def _refresh_installed(self) -> None:
        if self.project is None or not self.selected:
            self.installed_version = ""
            return
        locked = {e.name: e.version for e in installed(self.project)}
        self.installed_version = locked.get(self.selected, "")

    def install(self) -> None:
        """Install the function on show (its shown version) into the project."""
        if self.project is None or self.page is None:
            self.message = "No project to install into."
            return
        try:
            done = install(
                f"{self.page['name']}@{self.page['version']}", self.project, hub=self.hub
            )
        except ZenohubError as exc:
            self.message = str(exc)
            return
        reqs = (
            f" It needs: {', '.join(done.requirements)} (pip install them)."
            if done.requirements
            else ""
        )
        if done.changed:
            self.message = f"Installed {done.name} {done.version} into {done.path}.{reqs}"
            self.can_process = True
        else:
            self.message = f"{done.name} {done.version} is already installed.{reqs}"
        self._refresh_installed()

    def process(self) -> None:
        """Re-process the project so installed functions get their columns."""
        if self.project is None:
            return
        self.processing = True
        try:
            reload_functions(self.project)
            report = self.project.process(strict=False)
            self.message = (
                f"Processed: {len(report.computed)} computed, {len(report.cached)} from cache, "
                f"{len(report.failures)} failed. Reload the page to see new columns in Explore."
            )
            self.can_process = bool(report.failures)
        except ZenohubError as exc:
            self.message = str(exc)
        finally:
            self.processing = False
