"""One instance card: the renderer's data fragment, the label, model output(s), wrong / changed."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from ...columns import parse_column_key
from ._base import RenderContext, Renderer, escape, format_value, is_missing, placeholder, plain

log = logging.getLogger(__name__)


def comparable(value: Any) -> str | None:
    """A label or output as the string it is compared by (None when missing).

    Numpy scalars become Python ones, booleans and integral floats integers, so ``np.int64(3)``,
    ``3``, ``3.0`` and ``"3"`` agree, as do ``True`` and ``1``.
    """
    if is_missing(value):
        return None
    value = plain(value)
    if isinstance(value, bool) or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    return str(value)


def differs(a: Any, b: Any) -> bool | None:
    """Whether two labels / outputs differ; None when either is missing."""
    ca, cb = comparable(a), comparable(b)
    return None if ca is None or cb is None else ca != cb


def _model_of(column: str) -> str:
    return parse_column_key(column).model or column


def _field(key: str, value: Any, ctx: RenderContext, css: str = "", badge: str = "") -> str:
    classes = f"zh-field {css}".strip()
    return (
        f'<div class="{classes}"><span class="zh-key">{escape(key)}:</span> '
        f'<span class="zh-value">{escape(format_value(value, ctx.max_text))}</span>{badge}</div>'
    )


def render_card(
    row: Mapping[str, Any],
    *,
    renderer: Renderer,
    ctx: RenderContext,
    id_column: str,
    data_column: str | None,
    label_column: str | None,
    output_column: str | None,
    compare_output_column: str | None = None,
    extra: Sequence[tuple[str, Any]] = (),
) -> str:
    """The HTML of one instance's card.

    ``<div class="zh-card" data-id=…>`` holds the id, the renderer's fragment for the data column,
    ``label: …`` and ``output: …`` (with ``compare_output_column``, each model's output by name and
    a ``changed`` / ``unchanged`` marker), then the ``extra`` (name, value) pairs. The card gets
    class ``zh-wrong`` and a "wrong" badge when the output differs from the label (never when
    either is missing), ``zh-changed`` when the compared outputs differ. Everything is escaped; a
    renderer that raises gives a placeholder instead of breaking the grid.
    """
    instance_id = row.get(id_column)
    value = row.get(data_column) if data_column else None
    label = row.get(label_column) if label_column else None
    output = row.get(output_column) if output_column else None
    try:
        fragment = renderer.render(value, row=row, ctx=ctx)
    except Exception as exc:  # a plugin's bug must not take the whole grid down
        log.warning("renderer %r failed on instance %r", renderer.name, instance_id, exc_info=True)
        fragment = placeholder(f"{renderer.name} renderer failed", type(exc).__name__)

    wrong = bool(output_column and label_column and differs(output, label))
    classes = ["zh-card"]
    fields = []
    if label_column:
        fields.append(_field("label", label, ctx, "zh-label"))
    if output_column:
        name = f"output ({_model_of(output_column)})" if compare_output_column else "output"
        fields.append(_field(name, output, ctx, "zh-output" + (" zh-output-wrong" * wrong)))
    if compare_output_column:
        other = row.get(compare_output_column)
        other_wrong = bool(label_column and differs(other, label))
        changed = differs(other, output) if output_column else None
        badge = ""
        if changed is not None:
            word = "changed" if changed else "unchanged"
            badge = f' <span class="zh-change zh-change-{word}">{word}</span>'
            if changed:
                classes.append("zh-changed")
        css = "zh-output zh-compare" + (" zh-output-wrong" * other_wrong)
        name = f"output ({_model_of(compare_output_column)})"
        fields.append(_field(name, other, ctx, css, badge))
    fields += [_field(str(k), v, ctx, "zh-extra") for k, v in extra]
    if wrong:
        classes.append("zh-wrong")
    badge = ' <span class="zh-badge">wrong</span>' if wrong else ""
    shown_id = format_value(instance_id, ctx.max_text)
    return (
        f'<div class="{" ".join(classes)}" data-id="{escape(shown_id)}">'
        f'<div class="zh-card-head"><span class="zh-id" title="{escape(shown_id)}">'
        f"{escape(shown_id)}</span>{badge}</div>"
        f'<div class="zh-data">{fragment}</div>'
        f'<div class="zh-meta">{"".join(fields)}</div></div>'
    )


#: the cards' stylesheet: pass it as ``pn.pane.HTML(..., stylesheets=[CARD_CSS])``
#: (Panel renders panes in a shadow root, so page-level CSS does not reach the cards)
CARD_CSS = """
.zh-grid { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.zh-card {
  box-sizing: border-box; width: var(--zh-card-width, 200px); padding: 6px 8px;
  border: 1px solid #d0d7de; border-radius: 6px; background: #fff; color: #1f2328;
  font: 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; overflow: hidden;
}
.zh-card.zh-wrong { border: 2px solid #d62728; padding: 5px 7px; }
.zh-card-head { display: flex; justify-content: space-between; align-items: center; gap: 4px;
  margin-bottom: 4px; }
.zh-id { color: #57606a; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.zh-badge { background: #d62728; color: #fff; border-radius: 3px; padding: 0 5px;
  font-size: 11px; font-weight: 600; flex: none; }
.zh-data { display: flex; justify-content: center; margin-bottom: 4px; }
.zh-data > * { max-width: 100%; }
.zh-image { display: block; object-fit: contain; background: #f6f8fa; }
.zh-text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16em; overflow-y: auto;
  width: 100%; }
.zh-empty, .zh-missing, .zh-note { color: #57606a; font-style: italic; overflow-wrap: anywhere; }
.zh-missing { border: 1px dashed #d0d7de; border-radius: 4px; padding: 8px; width: 100%;
  box-sizing: border-box; text-align: center; }
.zh-audio { width: 100%; }
.zh-player { width: 100%; height: 32px; }
.zh-waveform { display: block; color: #1f77b4; background: #f6f8fa; }
.zh-audio-info { color: #57606a; font-size: 11px; overflow-wrap: anywhere; }
.zh-table { border-collapse: collapse; width: 100%; font-size: 11px; }
.zh-table th { text-align: left; font-weight: 500; color: #57606a; padding: 1px 6px 1px 0;
  vertical-align: top; white-space: nowrap; }
.zh-table td { padding: 1px 0; overflow-wrap: anywhere; }
.zh-field { overflow-wrap: anywhere; }
.zh-key { color: #57606a; }
.zh-value { font-weight: 600; }
.zh-output-wrong .zh-value { color: #d62728; }
.zh-change { border-radius: 3px; padding: 0 4px; font-size: 11px; }
.zh-change-changed { background: #fff1c2; }
.zh-change-unchanged { color: #57606a; }
mark { background: #ffe066; color: inherit; padding: 0 1px; border-radius: 2px; }
"""
