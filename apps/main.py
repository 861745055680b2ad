"""`panel serve apps/main.py`: the zenohub app for $ZENOHUB_CONFIG (default: the digits demo).

The project is loaded (and processed, from the cache) once per server process and shared by
every browser session.
"""

import panel as pn

from zenohub.demos import default_config
from zenohub.project import Project
from zenohub.ui.app import page


def _load() -> Project:
    project = Project.from_config(default_config())
    project.process(strict=False)
    return project


project = pn.state.as_cached("zenohub-project", _load)
page(project).servable()
