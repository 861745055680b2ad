"""The visible instances as a table: one page of rows at a time, sorted on the server.

Only the current page travels to the browser. Clicking a column header sets the state's
``sort_by`` (the ``difference`` column sorts most-different first), so sorting covers the whole
filtered set, not just the page shown.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from ..columns import ColumnKind
from ..state import DIFFERENCE, ExploreState
from .paging import Pager, watch_page


class InstanceTable(pn.viewable.Viewer):
    """The current page of instances as a Tabulator, with paging controls."""

    state = param.ClassSelector(class_=ExploreState)

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _sort_keys(self) -> dict[str, str]:
        """Table column -> the state column it sorts by."""
        s = self._s
        keys = {c: c for c in s.proj.table.columns}
        if s.model and s.output_column:
            keys[f"output ({s.model})"] = s.output_column
        if s.compare_model:
            keys[f"output ({s.compare_model})"] = s.column(
                ColumnKind.OUTPUT, "output", s.compare_model
            )
            keys[DIFFERENCE] = DIFFERENCE
        return keys

    def __init__(self, **params: object) -> None:
        super().__init__(**params)
        self._tabulator: pn.widgets.Tabulator | None = None
        self._pager = Pager(state=self._s)
        watch_page(self._s, self._update)

    def _table(self) -> pn.widgets.Tabulator:
        """The page's Tabulator, built once and updated in place."""
        if self._tabulator is None:
            frame = self._s.page_table()
            table = self._tabulator = pn.widgets.Tabulator(
                frame,
                show_index=False,
                disabled=True,
                pagination=None,
                name="instances",
                css_classes=["zh-instance-table"],
                sizing_mode="stretch_width",
                height=_height(frame),
            )
            table.param.watch(self._on_sorters, "sorters")
        return self._tabulator

    def _on_sorters(self, event: param.parameterized.Event) -> None:
        if not event.new:
            return
        first = event.new[0]
        key = self._sort_keys().get(first.get("field", ""))
        if key is not None:
            s = self._s
            s.param.update(sort_by=key, ascending=first.get("dir", "asc") != "desc", page=0)

    def _update(self) -> None:
        if self._tabulator is None:
            return
        frame = self._s.page_table()
        if not frame.equals(self._tabulator.value):
            self._tabulator.param.update(value=frame, height=_height(frame))

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._pager, self._table(), sizing_mode="stretch_width")


def _height(frame: pd.DataFrame) -> int:
    return min(800, 60 + 32 * max(len(frame), 1))
