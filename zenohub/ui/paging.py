"""What the grid and the table share: the page controls and the state they redraw on.

Views of a page are long-lived: they watch the state and update their widgets in place, so a
brush move sends a few property changes to the browser instead of new models (replacing a pane
makes Bokeh walk every model of the document, which costs ~0.2 s per pane on a full page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
import param

from ..state import DIFFERENCE, ExploreState

#: ExploreState parameters a page of instances depends on
PAGE_INPUTS = (
    "column_filters",
    "mask",
    "page",
    "page_size",
    "only_errors",
    "sort_by",
    "ascending",
    "model",
    "compare_model",
    "transform",
)


def page_inputs(state: ExploreState) -> list[object]:
    """The parameter objects a page view depends on."""
    return [state.param[name] for name in PAGE_INPUTS]


def watch_page(state: ExploreState, callback: Callable[[], None]) -> None:
    """Call ``callback()`` once per batch of changes to the page's inputs."""
    state.param.watch(lambda *_: callback(), list(PAGE_INPUTS))


class Pager(pn.viewable.Viewer):
    """Previous / next buttons around "page i of n" (and "changed first" in compare mode)."""

    state = param.ClassSelector(class_=ExploreState)
    changed_first = param.Boolean(default=False, doc="""Offer the "changed first" toggle.""")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        s = self._s
        self._prev = pn.widgets.Button(name="◀ previous", width=110)
        self._next = pn.widgets.Button(name="next ▶", width=110)
        self._label = pn.pane.HTML("")
        self._changed = pn.widgets.Checkbox(name="changed first", css_classes=["zh-changed-first"])
        self._prev.on_click(lambda _e: setattr(s, "page", max(0, s.page - 1)))
        self._next.on_click(lambda _e: setattr(s, "page", min(s.page_count - 1, s.page + 1)))
        self._changed.param.watch(self._on_changed, "value")
        self._update()
        watch_page(s, self._update)

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _on_changed(self, event: param.parameterized.Event) -> None:
        s = self._s
        if event.new and s.sort_by != DIFFERENCE:
            s.param.update(sort_by=DIFFERENCE, ascending=True, page=0)
        elif not event.new and s.sort_by == DIFFERENCE:
            s.param.update(sort_by="", page=0)

    def _update(self) -> None:
        s = self._s
        count = s.page_count
        self._prev.disabled = s.page == 0
        self._next.disabled = s.page >= count - 1
        self._label.object = f"<span class='zh-page'>page {s.page + 1} of {count}</span>"
        self._changed.visible = self.changed_first and bool(s.compare_model)
        self._changed.value = s.sort_by == DIFFERENCE

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Row(self._prev, self._label, self._next, self._changed)
