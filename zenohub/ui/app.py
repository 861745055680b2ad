"""The whole app: served by ``zenohub run`` / ``panel serve apps/``, or inline in a notebook.

``zenohub.App(project)`` is a Viewer, so it displays inline in Jupyter like any Panel object;
:func:`page` wraps the same parts in a template for a served page. Each call builds a fresh
per-session :class:`~zenohub.state.ExploreState`.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

from ..project import Project
from ..state import ExploreState
from .explore import Explore
from .overview import Overview


def _explore(project: Project) -> Explore:
    if project.report is None:  # a project not processed yet: read (or compute) its columns
        project.process(strict=False)
    return Explore(state=ExploreState(project))


def _tabs(project: Project, explore: Explore) -> pn.Tabs:
    from .analysis import Analysis
    from .hub import Hub

    return pn.Tabs(
        ("Explore", explore),
        ("Discover", explore.discover),
        ("Analysis", Analysis(project=project, state=explore.state)),
        ("Hub", Hub(project=project)),
        ("Overview", Overview(project=project)),
        dynamic=True,
        sizing_mode="stretch_width",
    )


class App(pn.viewable.Viewer):
    """The zenohub app for one project, displayable inline: ``zenohub.App(project)``."""

    project = param.ClassSelector(class_=Project, doc="""The project to explore.""")

    def __init__(self, project: Project | None = None, **params: Any) -> None:
        super().__init__(project=project, **params)

    def __panel__(self) -> pn.viewable.Viewable:
        assert isinstance(self.project, Project)
        explore = _explore(self.project)
        return pn.Row(
            pn.Column(*explore.sidebar(), width=300),
            _tabs(self.project, explore),
            sizing_mode="stretch_width",
        )


def page(project: Project) -> pn.template.FastListTemplate:
    """The served page: the app's parts in a template with a sidebar."""
    explore = _explore(project)
    return pn.template.FastListTemplate(
        title=f"zenohub · {project.name}",
        sidebar=explore.sidebar(),
        main=[_tabs(project, explore)],
    )
