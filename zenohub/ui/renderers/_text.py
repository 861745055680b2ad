"""Text: escaped, cut to a readable length, with the text search's matches marked."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from ._base import RenderContext, Renderer, escape, is_missing, register_renderer


@functools.lru_cache(maxsize=64)
def _pattern(text: str, regex: bool, case_sensitive: bool, whole_word: bool) -> re.Pattern | None:
    pattern = text if regex else re.escape(text)
    if whole_word:
        # as the filters do: a literal gets a boundary only where it starts / ends with \w
        left = regex or re.match(r"\w", text[:1]) is not None
        right = regex or re.match(r"\w", text[-1:]) is not None
        pattern = ("\\b" if left else "") + f"(?:{pattern})" + ("\\b" if right else "")
    try:
        return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error:  # the search box says the regex is invalid; the cards just show no marks
        return None


def highlight_pattern(ctx: RenderContext) -> re.Pattern | None:
    """The compiled text search of ``ctx``, or None when there is none or it is invalid."""
    if not ctx.highlight:
        return None
    return _pattern(ctx.highlight, ctx.highlight_regex, ctx.case_sensitive, ctx.whole_word)


def highlight_text(text: str, ctx: RenderContext) -> str:
    """``text`` as escaped HTML with search matches in ``<mark>``, cut to ``ctx.max_text``.

    Matches are found on the raw text and the pieces between them escaped, so a search for
    ``<b>`` marks the literal characters. When the text is cut and the first match lies past the
    cut, the shown window starts just before that match.
    """
    pattern = highlight_pattern(ctx)
    limit = max(ctx.max_text, 1)
    start, end = 0, min(len(text), limit)
    matches: list[re.Match[str]] = []
    for m in pattern.finditer(text) if pattern else ():
        if m.end() == m.start():
            continue
        if not matches and m.end() > end:  # first match past the cut: move the window to it
            start = max(0, min(m.start() - limit // 4, len(text) - limit))
            end = start + limit
        if m.start() >= end:
            break  # a long text is searched only as far as it is shown
        matches.append(m)
    parts = ["…"] if start > 0 else []
    pos = start
    for m in matches:
        a, b = m.start(), min(m.end(), end)  # a match may run past the cut
        parts += [escape(text[pos:a]), f"<mark>{escape(text[a:b])}</mark>"]
        pos = b
    parts.append(escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)


def _as_text(value: Any) -> str:
    """A text value; a chat given as a list of {role, content} messages as "role: content" lines."""
    if isinstance(value, list | tuple):
        lines = []
        for item in value:
            if isinstance(item, Mapping) and "content" in item:
                lines.append(f"{item.get('role', '')}: {item['content']}".lstrip(": "))
            else:
                lines.append(str(item))
        return "\n".join(lines)
    return str(value)


@register_renderer
class TextRenderer(Renderer):
    """Escaped text with the text search's matches highlighted (whitespace kept)."""

    name = "text"
    views: tuple[str, ...] = (
        "text-classification",
        "text-generation",
        "text-summarization",
        "chatbot",
        "code-generation",
        "question-answering",
        "translation",
        "text-*",
    )

    def render(self, value: Any, *, row: Mapping[str, Any], ctx: RenderContext) -> str:
        if is_missing(value):
            return '<div class="zh-text zh-empty">(no text)</div>'
        return f'<div class="zh-text">{highlight_text(_as_text(value), ctx)}</div>'
