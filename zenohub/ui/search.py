"""Text search over the text columns: a box with case / whole-word / regex / negate toggles.

Applying a search sets the column's ``contains`` (or ``regex``) predicate on the state; while
typing, a preview shows how many instances match and the first few values with matches marked.
"""

from __future__ import annotations

import html

import panel as pn
import param

from ..errors import ZenohubError
from ..filters import Predicate
from ..state import ExploreState
from .renderers import RenderContext, highlight_text

SEARCH_CSS = """
.zh-search-preview { font-size: 13px; color: #333; }
.zh-search-preview ul { margin: 2px 0; padding-left: 18px; }
.zh-search-preview mark { background: #ffe066; }
.zh-search-error { color: #b00020; }
"""

#: values shown in the preview
PREVIEW_ROWS = 5


def build_predicate(
    column: str,
    text: str,
    *,
    regex: bool = False,
    case_sensitive: bool = False,
    whole_word: bool = False,
    negate: bool = False,
) -> Predicate | None:
    """The search box's predicate, or None for an empty search (raises FilterError if bad)."""
    if not text:
        return None
    return Predicate(
        column,
        "regex" if regex else "contains",
        text,
        case_sensitive=case_sensitive,
        whole_word=whole_word,
        negate=negate,
    )


class TextSearch(pn.viewable.Viewer):
    """One search row per text column of the table."""

    state = param.ClassSelector(class_=ExploreState)

    @property
    def _s(self) -> ExploreState:
        assert isinstance(self.state, ExploreState)
        return self.state

    def _preview(
        self,
        column: str,
        text: str,
        case_sensitive: bool,
        whole_word: bool,
        regex: bool,
        negate: bool,
    ) -> pn.viewable.Viewable:
        flags = dict(
            regex=regex, case_sensitive=case_sensitive, whole_word=whole_word, negate=negate
        )
        body = ""
        try:
            predicate = build_predicate(column, text, **flags)
            if predicate is not None:
                count, values = self._s.text_matches(predicate, PREVIEW_ROWS)
                ctx = RenderContext(
                    highlight=None if negate else text,
                    highlight_regex=regex,
                    case_sensitive=case_sensitive,
                    whole_word=whole_word,
                    max_text=120,
                )
                items = "".join(f"<li>{highlight_text(v, ctx)}</li>" for v in values)
                body = (
                    f"<span class='zh-search-count'><b>{count}</b></span> matching instances"
                    f"<ul>{items}</ul>"
                )
        except ZenohubError as exc:
            body = f"<span class='zh-search-error'>{html.escape(str(exc))}</span>"
        return pn.pane.HTML(
            f"<div class='zh-search-preview'>{body}</div>",
            stylesheets=[SEARCH_CSS],
            sizing_mode="stretch_width",
        )

    def _row(self, column: str) -> pn.viewable.Viewable:
        s = self._s
        info = s.proj.columns.get(column)
        label = info.label if info is not None else column
        current = s.column_filters.get(column, {})
        text = pn.widgets.TextInput(
            name=f"Search {label}",
            placeholder=f"search {label}",
            value=str(current.get("value", ""))
            if current.get("op") in ("contains", "regex")
            else "",
            css_classes=["zh-search-input"],
            sizing_mode="stretch_width",
        )
        toggles = {
            "case_sensitive": pn.widgets.Checkbox(
                name="case sensitive", value=bool(current.get("case_sensitive"))
            ),
            "whole_word": pn.widgets.Checkbox(
                name="whole word", value=bool(current.get("whole_word"))
            ),
            "regex": pn.widgets.Checkbox(name="regex", value=current.get("op") == "regex"),
            "negate": pn.widgets.Checkbox(name="negate", value=bool(current.get("negate"))),
        }
        for key, widget in toggles.items():
            widget.css_classes = [f"zh-search-{key.replace('_', '-')}"]
        search = pn.widgets.Button(
            name="Search", button_type="primary", width=80, css_classes=["zh-search-apply"]
        )
        clear = pn.widgets.Button(name="Clear", width=70, css_classes=["zh-search-clear"])

        def _apply(*_: object) -> None:
            flags = {k: w.value for k, w in toggles.items()}
            try:
                predicate = build_predicate(column, text.value_input or "", **flags)
            except ZenohubError as exc:
                s.message = str(exc)
                return
            if s.set_column_filter(column, predicate):
                s.page = 0

        def _clear(*_: object) -> None:
            text.value = text.value_input = ""
            s.set_column_filter(column, None)

        search.on_click(_apply)
        clear.on_click(_clear)
        text.param.watch(_apply, "enter_pressed")
        preview = pn.bind(
            self._preview,
            column,
            text.param.value_input,
            *(w.param.value for w in toggles.values()),
        )
        return pn.Column(
            pn.Row(text, search, clear, sizing_mode="stretch_width"),
            pn.Row(*toggles.values()),
            preview,
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        columns = self._s.text_columns()
        return pn.Column(*(self._row(c) for c in columns), sizing_mode="stretch_width")
