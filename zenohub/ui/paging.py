"""What the grid and the table share: the page controls and the state they redraw on."""

from __future__ import annotations

import panel as pn

from ..state import ExploreState

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
    """The parameter objects to ``pn.bind`` a page view to."""
    return [state.param[name] for name in PAGE_INPUTS]


def pager(state: ExploreState) -> list[pn.viewable.Viewable]:
    """Previous / next buttons around "page i of n"."""
    prev = pn.widgets.Button(name="◀ previous", disabled=state.page == 0, width=110)
    nxt = pn.widgets.Button(name="next ▶", disabled=state.page >= state.page_count - 1, width=110)
    prev.on_click(lambda _e: setattr(state, "page", max(0, state.page - 1)))
    nxt.on_click(lambda _e: setattr(state, "page", min(state.page_count - 1, state.page + 1)))
    label = pn.pane.HTML(
        f"<span class='zh-page'>page {state.page + 1} of {state.page_count}</span>"
    )
    return [prev, label, nxt]
