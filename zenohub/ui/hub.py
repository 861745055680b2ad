"""The Hub page: search the hub, read a function (docs, source, versions), install, re-process.

A thin view over :class:`zenohub.hub.browse.HubBrowser`; ``Hub(project=project)`` shows the
project's hub (its ``hub`` setting, else the bundled registry). Published code is shown, never
run: docs are escaped before rendering as markdown and the source is highlighted as text.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import panel as pn
import param

from ..hub.browse import HubBrowser
from ..hub.manifest import DATA_TYPES, KINDS

CSS = """
.zh-hub-result { border-bottom: 1px solid #eee; padding: 4px 0; }
.zh-hub-meta { color: #555; font-size: 12px; }
.zh-hub-message { white-space: pre-wrap; }
.zh-hub-source pre { background: #f6f8fa; padding: 8px; overflow: auto; font-size: 12px; }
"""


def highlight(source: str) -> str:
    """The source as highlighted, escaped HTML (pygments if installed, else a plain block)."""
    try:
        from pygments import highlight as _highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre><code>{html.escape(source)}</code></pre>"
    formatter = HtmlFormatter(noclasses=True, nowrap=False)
    return str(_highlight(source, PythonLexer(), formatter))


def _any(values: tuple[str, ...]) -> dict[str, str]:
    return {"(all)": "", **{v: v for v in values}}


def _meta(f: dict[str, Any]) -> str:
    e = html.escape
    return (
        f"<span class='zh-hub-meta'>{e(f['version'])} · {e(f['kind'])} · "
        f"{e(', '.join(f['data_types']))} · {e(f['author'] or '-')}</span>"
    )


class Hub(pn.viewable.Viewer):
    """Browse and install hub functions: ``Hub(project=project)``."""

    project = param.Parameter(default=None, doc="""The project installs go into (or None).""")
    hub = param.Parameter(
        default=None,
        doc="""A hub URL, folder or Catalog (default: the
        project's hub setting, else the bundled registry).""",
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        hub = self.hub
        if hub is not None and not hasattr(hub, "search"):
            from ..hub import open_hub

            hub = open_hub(hub)
        self.state = HubBrowser(project=self.project, hub=hub)

    # --- parts ------------------------------------------------------------------------------------
    def _filters(self) -> pn.viewable.Viewable:
        s = self.state.param
        return pn.Column(
            pn.widgets.TextInput.from_param(s.query, name="Search", placeholder="blur, wer, ..."),
            pn.widgets.Select.from_param(s.kind, name="Kind", options=_any(KINDS)),
            pn.widgets.Select.from_param(s.data_type, name="Data type", options=_any(DATA_TYPES)),
            pn.widgets.TextInput.from_param(s.tag, name="Tag"),
            width=260,
            css_classes=["zh-hub-filters"],
        )

    def _results(self, results: list[dict[str, Any]]) -> pn.viewable.Viewable:
        rows: list[Any] = [pn.pane.HTML(f"<b class='zh-hub-count'>{len(results)}</b> functions")]
        for f in results:
            button = pn.widgets.Button(
                name=f["name"], button_type="light", css_classes=["zh-hub-open"]
            )
            button.on_click(partial(lambda name, _e: self.state.open(name), f["name"]))
            rows.append(
                pn.Column(
                    button,
                    pn.pane.HTML(f"{html.escape(f['summary'])}<br>{_meta(f)}"),
                    css_classes=["zh-hub-result"],
                    stylesheets=[CSS],
                )
            )
        return pn.Column(*rows, width=320)

    def _process_button(self, can_process: bool, processing: bool) -> pn.viewable.Viewable:
        process = pn.widgets.Button(
            name="Processing…" if processing else "Process now",
            button_type="success",
            visible=can_process or processing,
            disabled=processing,
            css_classes=["zh-hub-process"],
        )
        process.on_click(lambda _e: self.state.process())
        return process

    def _detail(self, page: dict[str, Any] | None, installed: str) -> pn.viewable.Viewable:
        if page is None:
            return pn.pane.Markdown("Choose a function to read its documentation and source.")
        e = html.escape
        s = self.state.param
        header = pn.pane.HTML(
            f"<h2 class='zh-hub-title'>{e(page['name'])} <small>{e(page['version'])}</small></h2>"
            f"<p>{e(page['summary'])}</p>{_meta(page)}"
            f"<p class='zh-hub-meta'>tags: {e(', '.join(page['tags']) or '-')} · license: "
            f"{e(page['license'] or '-')} · requirements: "
            f"<span class='zh-hub-requirements'>{e(', '.join(page['requirements']) or 'none')}"
            f"</span> · sha256 {e(page['sha256'][:12])}…</p>"
            + (f"<p class='zh-hub-installed'>Installed: {e(installed)}</p>" if installed else ""),
            stylesheets=[CSS],
            sizing_mode="stretch_width",
        )
        versions = pn.widgets.Select(
            name="Version",
            options=[v["version"] + (" (yanked)" if v["yanked"] else "") for v in page["versions"]],
            value=page["version"] + (" (yanked)" if page["yanked"] else ""),
            width=160,
        )
        versions.param.watch(
            lambda ev: self.state.open(page["name"], ev.new.split(" ")[0]), "value"
        )
        install = pn.widgets.Button(
            name="Install",
            button_type="primary",
            disabled=self.state.project is None,
            css_classes=["zh-hub-install"],
        )
        install.on_click(lambda _e: self.state.install())
        return pn.Column(
            header,
            pn.Row(
                versions,
                install,
                pn.bind(self._process_button, s.can_process, s.processing),
            ),
            pn.pane.Markdown(e(page["docs"] or ""), css_classes=["zh-hub-docs"]),
            pn.pane.HTML(
                f"<div class='zh-hub-source'>{highlight(page['source_text'])}</div>",
                stylesheets=[CSS],
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )

    def _message(self, message: str) -> pn.viewable.Viewable:
        return pn.pane.HTML(
            f"<div class='zh-hub-message'>{html.escape(message)}</div>" if message else "",
            stylesheets=[CSS],
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        s = self.state.param
        return pn.Row(
            pn.Column(self._filters(), pn.bind(self._results, s.results)),
            pn.Column(
                pn.bind(self._message, s.message),
                pn.bind(self._detail, s.page, s.installed_version),
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )
