"""Tabular: the instance's dataset columns as a key / value table (also the fallback renderer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import FALLBACK, RenderContext, Renderer, escape, format_value, register_renderer
from ._text import highlight_text


def cell_html(value: Any, ctx: RenderContext) -> str:
    """A cell as escaped HTML: text with search matches marked, numbers formatted."""
    if isinstance(value, str):
        return highlight_text(value, ctx)
    return escape(format_value(value, ctx.max_text))


@register_renderer
class TabularRenderer(Renderer):
    """Every dataset column of the row, computed columns (keys with ``:``) left out."""

    name = FALLBACK
    views: tuple[str, ...] = ("tabular", "tabular-classification", "tabular-regression")

    def render(self, value: Any, *, row: Mapping[str, Any], ctx: RenderContext) -> str:
        items = [(k, v) for k, v in row.items() if ":" not in str(k)]
        if not items:
            items = [("value", value)]
        body = "".join(
            f'<tr><th scope="row">{escape(k)}</th><td>{cell_html(v, ctx)}</td></tr>'
            for k, v in items
        )
        return f'<table class="zh-table"><tbody>{body}</tbody></table>'
