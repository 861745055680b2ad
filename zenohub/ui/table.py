"""The visible instances as a table: one page of rows at a time, sorted on the server.

Only the current page travels to the browser. Clicking a column header sets the state's
``sort_by`` (the ``difference`` column sorts most-different first), so sorting covers the whole
filtered set, not just the page shown.
"""

from __future__ import annotations

import panel as pn
import param

from ..columns import ColumnKind
from ..state import DIFFERENCE, ExploreState
from .paging import page_inputs, pager


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

    def _table(self, *_: object) -> pn.viewable.Viewable:
        s = self._s
        frame = s.page_table()
        table = pn.widgets.Tabulator(
            frame,
            show_index=False,
            disabled=True,
            pagination=None,
            name="instances",
            css_classes=["zh-instance-table"],
            sizing_mode="stretch_width",
            height=min(800, 60 + 32 * max(len(frame), 1)),
        )
        keys = self._sort_keys()

        def _on_sorters(event: param.parameterized.Event) -> None:
            if not event.new:
                return
            first = event.new[0]
            key = keys.get(first.get("field", ""))
            if key is not None:
                s.param.update(sort_by=key, ascending=first.get("dir", "asc") != "desc", page=0)

        table.param.watch(_on_sorters, "sorters")
        return table

    def _pager(self, *_: object) -> pn.viewable.Viewable:
        return pn.Row(*pager(self._s))

    def __panel__(self) -> pn.viewable.Viewable:
        deps = page_inputs(self._s)
        return pn.Column(
            pn.bind(self._pager, *deps), pn.bind(self._table, *deps), sizing_mode="stretch_width"
        )
