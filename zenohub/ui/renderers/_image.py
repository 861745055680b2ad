"""Images: a file path (or URL) or an array, embedded in the card as a base64 data URI.

Small web-format files (PNG, JPEG, GIF, WebP, told apart by their first bytes) are embedded
byte for byte, so the card shows exactly the file's pixels; larger files and other formats are
re-encoded as a thumbnail. Encoded files are kept in an LRU cache keyed by path, modification
time and size, so paging back and forth does not re-read them and an edited file shows anew.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from ._base import (
    RenderContext,
    Renderer,
    escape,
    is_missing,
    is_url,
    placeholder,
    register_renderer,
    resolve,
)

log = logging.getLogger(__name__)

#: files up to this size in a browser format are embedded as they are; larger ones as a thumbnail
MAX_EMBED_BYTES = 96 * 1024
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, Image.DecompressionBombError)


def sniff_image(data: bytes) -> str | None:
    """The MIME type of image bytes a browser shows (PNG, JPEG, GIF, WebP), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class Thumbnail:
    """An encoded image and the size (in image pixels) of what it shows."""

    uri: str
    width: int
    height: int


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def encode_bytes(data: bytes, thumb_px: int) -> Thumbnail:
    """Encoded image bytes as a thumbnail; raises if Pillow cannot decode them."""
    mime = sniff_image(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()  # a truncated or corrupt file fails here, not as a broken <img> in the page
        width, height = image.size
        if mime is not None and len(data) <= MAX_EMBED_BYTES:
            return Thumbnail(data_uri(mime, data), width, height)
        shown: Image.Image = image
        if shown.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            shown = shown.convert("RGBA" if "A" in shown.getbands() else "RGB")
        if max(width, height) > 2 * thumb_px:  # 2x: sharp on high-density screens
            shown = shown.copy()
            shown.thumbnail((2 * thumb_px, 2 * thumb_px))
        if mime == "image/jpeg" and shown.mode in ("L", "RGB"):
            buffer = io.BytesIO()
            shown.save(buffer, format="JPEG", quality=85)
            return Thumbnail(data_uri(mime, buffer.getvalue()), width, height)
        return Thumbnail(data_uri("image/png", _png(shown)), width, height)


@functools.lru_cache(maxsize=512)
def _encode_file(path: str, mtime_ns: int, size: int, thumb_px: int) -> Thumbnail:
    with open(path, "rb") as f:
        return encode_bytes(f.read(), thumb_px)


def encode_file(path: str, thumb_px: int) -> Thumbnail:
    """The thumbnail of an image file, cached by (path, modification time, size, thumb_px)."""
    st = os.stat(path)
    return _encode_file(os.path.abspath(path), st.st_mtime_ns, st.st_size, thumb_px)


def to_uint8(array: Any) -> np.ndarray:
    """An image array (H, W) or (H, W, 3|4) as uint8.

    Booleans become 0 / 255, floats within [0, 1] are scaled by 255, other numbers are rounded
    and clipped to 0..255.
    """
    if isinstance(array, Image.Image) and array.mode not in ("L", "RGB", "RGBA"):
        array = array.convert("RGBA" if "A" in array.getbands() else "RGB")
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))) or a.size == 0:
        raise ValueError(f"array of shape {a.shape} (expected (H, W) or (H, W, 3|4))")
    if a.dtype == np.uint8:
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    if not np.issubdtype(a.dtype, np.number):
        raise ValueError(f"array of dtype {a.dtype} (expected numbers)")
    f = np.nan_to_num(a.astype(np.float64), nan=0.0)
    if np.issubdtype(a.dtype, np.floating) and f.min() >= 0.0 and f.max() <= 1.0:
        f = f * 255.0
    return np.clip(np.rint(f), 0, 255).astype(np.uint8)


def encode_array(array: Any) -> Thumbnail:
    """An image array as a PNG thumbnail (arrays are small and change: not cached)."""
    pixels = to_uint8(array)
    height, width = pixels.shape[:2]
    return Thumbnail(data_uri("image/png", _png(Image.fromarray(pixels))), width, height)


def img_tag(thumb: Thumbnail, ctx: RenderContext, title: str) -> str:
    """``<img>`` scaled to fit ``ctx.thumb_px``; enlarged images keep crisp square pixels."""
    scale = ctx.thumb_px / max(thumb.width, thumb.height, 1)
    width, height = max(1, round(thumb.width * scale)), max(1, round(thumb.height * scale))
    style = ' style="image-rendering: pixelated"' if scale > 1 else ""
    return (
        f'<img class="zh-image" src="{thumb.uri}" width="{width}" height="{height}" '
        f'alt="{escape(title)}" title="{escape(title)}"{style}>'
    )


@register_renderer
class ImageRenderer(Renderer):
    """A file path (absolute, relative to ``data_path``, or an http(s) URL), encoded image bytes,
    a PIL image or a numpy array (H, W) / (H, W, 3|4) as a thumbnail."""

    name = "image"
    views: tuple[str, ...] = (
        "image-classification",
        "image-segmentation",
        "object-detection",
        "image-*",
    )

    def render(self, value: Any, *, row: Mapping[str, Any], ctx: RenderContext) -> str:
        if isinstance(value, np.ndarray | list | Image.Image):
            try:
                return img_tag(encode_array(value), ctx, "image")
            except (ValueError, TypeError) as exc:
                return placeholder("unreadable image", exc)
        if isinstance(value, bytes | bytearray):
            try:
                return img_tag(encode_bytes(bytes(value), ctx.thumb_px), ctx, "image")
            except _DECODE_ERRORS as exc:
                return placeholder("unreadable image", f"{len(value)} bytes ({exc})")
        if is_missing(value) or value == "":
            return placeholder("no image")
        path = resolve(value, ctx.data_path)
        if is_url(path):
            px = ctx.thumb_px
            return (
                f'<img class="zh-image" src="{escape(path)}" alt="{escape(path)}" '
                f'loading="lazy" style="max-width:{px}px;max-height:{px}px">'
            )
        try:
            thumb = encode_file(path, ctx.thumb_px)
        except FileNotFoundError:
            return placeholder("missing image", path)
        except _DECODE_ERRORS as exc:
            log.debug("cannot show image %s: %s", path, exc)
            return placeholder("unreadable image", path)
        return img_tag(thumb, ctx, os.path.basename(path))
