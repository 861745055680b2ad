"""The renderer contract, the render context and the registry that picks a renderer per view."""

from __future__ import annotations

import fnmatch
import html
import math
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ...errors import ConfigError

#: the view every unknown ``view`` falls back to
FALLBACK = "tabular"


@dataclass(frozen=True)
class RenderContext:
    """What a renderer needs besides the value: where files live and what the user searched for.

    ``highlight`` is the text search of the Explore app; it matches as the ``contains`` (or, with
    ``highlight_regex``, the ``regex``) filter does, ignoring case unless ``case_sensitive``.
    """

    data_path: str = ""  #: folder (or http(s) URL) relative data paths start from
    highlight: str | None = None  #: text to mark in text values (None or "" marks nothing)
    highlight_regex: bool = False  #: ``highlight`` is a Python regular expression
    case_sensitive: bool = False
    whole_word: bool = False  #: only mark matches that are whole words
    max_text: int = 600  #: characters of a text shown before it is cut with an ellipsis
    thumb_px: int = 96  #: images are scaled to fit a square of this many CSS pixels


class Renderer(ABC):
    """Turns one instance's data into the HTML fragment at the top of its card.

    Subclasses set ``name`` (unique), ``views`` (the config ``view`` values they serve; shell
    patterns such as ``"image-*"`` allowed) and implement :meth:`render`. The fragment must be
    safe HTML: escape every piece of user data (:func:`escape`) and never raise for bad data —
    return a :func:`placeholder` instead.
    """

    name: str = ""
    views: tuple[str, ...] = ()

    @abstractmethod
    def render(self, value: Any, *, row: Mapping[str, Any], ctx: RenderContext) -> str:
        """HTML of ``value`` (the row's data column); ``row`` holds the instance's other columns."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, views={self.views!r})"


R = TypeVar("R", bound="Renderer | type[Renderer]")

_REGISTRY: dict[str, Renderer] = {}
_LOCK = threading.Lock()


def register_renderer(renderer: R) -> R:
    """Register a :class:`Renderer` subclass (instantiated without arguments) or an instance.

    Usable as a class decorator. A renderer registered later wins over earlier ones for the views
    they share, and one with the name of a registered renderer replaces it.
    """
    instance = renderer() if isinstance(renderer, type) else renderer
    if not isinstance(instance, Renderer):
        raise ConfigError(
            f"register_renderer takes a zenohub.ui.renderers.Renderer subclass or instance, "
            f"not {renderer!r}."
        )
    if not instance.name or not isinstance(instance.name, str):
        raise ConfigError(f"Renderer {type(instance).__name__} needs a non-empty `name` string.")
    views = instance.views
    if isinstance(views, str) or not all(isinstance(v, str) and v for v in views):
        raise ConfigError(
            f"Renderer {instance.name!r}: `views` must be a tuple of view names such as "
            f"('text-classification',), not {views!r}."
        )
    with _LOCK:
        _REGISTRY.pop(instance.name, None)  # re-insert last: the newest registration wins
        _REGISTRY[instance.name] = instance
    return renderer


def unregister_renderer(name: str) -> None:
    """Remove the renderer called ``name`` (the fallback ``tabular`` cannot be removed)."""
    if name == FALLBACK:
        raise ConfigError(f"The fallback renderer {FALLBACK!r} cannot be unregistered.")
    with _LOCK:
        _REGISTRY.pop(name, None)


def renderers() -> dict[str, Renderer]:
    """The registered renderers by name, in registration order (a copy)."""
    with _LOCK:
        return dict(_REGISTRY)


def renderer_for(view: str | None) -> Renderer:
    """The renderer for a config ``view``.

    Exact view names win over patterns (``image-*``), later registrations over earlier ones; a
    renderer's own name also counts as a view. A view no renderer serves (or none) gets the
    ``tabular`` renderer, which shows the instance's columns as key / value pairs.
    """
    key = (view or "").strip().lower()
    candidates = list(reversed(renderers().values()))
    for r in candidates:
        if key in (v.lower() for v in r.views):
            return r
    for r in candidates:
        if any(fnmatch.fnmatchcase(key, v.lower()) for v in r.views):
            return r
    for r in candidates:
        if key == r.name.lower():
            return r
    return _REGISTRY[FALLBACK]


# --- helpers shared by the renderers -------------------------------------------------------------


def escape(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def placeholder(message: str, detail: Any = None) -> str:
    """A visible stand-in for data that cannot be shown, e.g. ``missing image: a.png``."""
    text = message if detail is None else f"{message}: {detail}"
    return f'<div class="zh-missing">{escape(text)}</div>'


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas' NA (never for arrays or other containers)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    # pandas' NA / NaT without importing pandas: both are singletons of their own type
    return type(value).__name__ in ("NAType", "NaTType")


def plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds; anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def format_value(value: Any, max_text: int = 600) -> str:
    """Plain (unescaped) text of a cell: floats to 4 significant digits, missing as an em dash."""
    if is_missing(value):
        return "—"
    value = plain(value)
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=20)
    else:
        text = str(value)
    return truncate(text, max_text)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: max(limit, 0)] + "…"


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def resolve(value: Any, data_path: str) -> str:
    """The file path (or URL) of a data value: absolute as given, else relative to data_path."""
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if is_url(text) or os.path.isabs(text) or not data_path:
        return text
    if is_url(data_path):
        return data_path.rstrip("/") + "/" + text.lstrip("/")
    return os.path.join(data_path, text)
