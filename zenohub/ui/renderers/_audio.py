"""Audio: an inline player and a waveform drawn from the samples as an SVG polyline.

Files up to ``AudioRenderer.max_bytes`` are embedded as a data URI (a page of cards stays a few
MB); the waveform is read from PCM WAV files with the standard library's :mod:`wave` and reduced
to the minimum and maximum sample of each pixel column, so a long file costs a few hundred points.
"""

from __future__ import annotations

import functools
import logging
import os
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

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
from ._image import data_uri

log = logging.getLogger(__name__)

WAVEFORM_WIDTH = 180  #: columns (SVG user units) of the waveform
WAVEFORM_HEIGHT = 40
#: WAV files larger than this get no waveform (reading them would stall the page)
MAX_WAVEFORM_BYTES = 32 * 1024 * 1024


def sniff_audio(data: bytes) -> str | None:
    """The MIME type of audio bytes (WAV, MP3, Ogg, FLAC, MP4/M4A), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"fLaC"):
        return "audio/flac"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def pcm_samples(raw: bytes, sample_width: int) -> tuple[np.ndarray, float]:
    """Integer samples of little-endian PCM bytes and their full-scale value."""
    if sample_width == 1:  # 8-bit WAV is unsigned
        return np.frombuffer(raw, np.uint8).astype(np.int16) - 128, 128.0
    if sample_width == 2:
        return np.frombuffer(raw, "<i2"), 32768.0
    if sample_width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        return ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8) >> 8, float(1 << 23)
    if sample_width == 4:
        return np.frombuffer(raw, "<i4"), float(1 << 31)
    raise ValueError(f"{8 * sample_width}-bit samples")


def waveform_points(samples: np.ndarray, full_scale: float, channels: int = 1) -> str:
    """SVG polyline points through each column's max and min sample (all channels overlaid)."""
    x = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
    lo_s, hi_s = x.min(axis=1), x.max(axis=1)
    n = len(lo_s)
    if n == 0:
        return ""
    cols = min(WAVEFORM_WIDTH, n)
    edges = np.linspace(0, n, cols + 1).astype(np.int64)[:-1]
    lo = np.minimum.reduceat(lo_s, edges) / full_scale
    hi = np.maximum.reduceat(hi_s, edges) / full_scale
    mid = WAVEFORM_HEIGHT / 2
    xs = (np.arange(cols) + 0.5) * (WAVEFORM_WIDTH / cols)
    y_hi = np.clip(mid - hi * mid, 0, WAVEFORM_HEIGHT)
    y_lo = np.clip(mid - lo * mid, 0, WAVEFORM_HEIGHT)
    return " ".join(
        f"{x:.1f},{a:.1f} {x:.1f},{b:.1f}" for x, a, b in zip(xs, y_hi, y_lo, strict=True)
    )


@dataclass(frozen=True)
class EncodedAudio:
    uri: str | None  #: None when the file is over the size limit or not a known audio format
    points: str  #: waveform polyline points ("" when there is no waveform)
    seconds: float | None
    size: int


@functools.lru_cache(maxsize=64)
def _encode_file(path: str, mtime_ns: int, size: int, max_bytes: int) -> EncodedAudio:
    with open(path, "rb") as f:
        head = f.read(16)
        mime = sniff_audio(head)
        uri = None
        if mime is not None and size <= max_bytes:
            uri = data_uri(mime, head + f.read())
    points, seconds = "", None
    if mime == "audio/wav" and size <= MAX_WAVEFORM_BYTES:
        try:
            with wave.open(path, "rb") as w:
                frames = w.readframes(w.getnframes())
                samples, full_scale = pcm_samples(frames, w.getsampwidth())
                points = waveform_points(samples, full_scale, w.getnchannels())
                seconds = w.getnframes() / w.getframerate()
        except (wave.Error, EOFError, ValueError) as exc:  # e.g. float or compressed WAV
            log.debug("no waveform for %s: %s", path, exc)
    return EncodedAudio(uri, points, seconds, size)


def encode_file(path: str, max_bytes: int) -> EncodedAudio:
    """Player data URI and waveform of an audio file, cached by (path, mtime, size)."""
    st = os.stat(path)
    return _encode_file(os.path.abspath(path), st.st_mtime_ns, st.st_size, max_bytes)


def waveform_svg(points: str) -> str:
    w, h = WAVEFORM_WIDTH, WAVEFORM_HEIGHT
    return (
        f'<svg class="zh-waveform" viewBox="0 0 {w} {h}" preserveAspectRatio="none" '
        f'width="100%" height="{h}" role="img" aria-label="waveform">'
        f'<polyline points="{points}" fill="none" stroke="currentColor" stroke-width="1"/></svg>'
    )


@register_renderer
class AudioRenderer(Renderer):
    """A file path (absolute, relative to ``data_path``, or an http(s) URL) as a player and a
    waveform."""

    name = "audio"
    views: tuple[str, ...] = (
        "audio-transcription",
        "audio-classification",
        "speech-recognition",
        "audio-*",
    )
    #: files up to this size are playable inline (larger ones show the waveform only)
    max_bytes = 1024 * 1024

    def render(self, value: Any, *, row: Mapping[str, Any], ctx: RenderContext) -> str:
        if is_missing(value) or value == "":
            return placeholder("no audio")
        path = resolve(value, ctx.data_path)
        if is_url(path):
            return f'<audio class="zh-player" controls preload="none" src="{escape(path)}"></audio>'
        try:
            audio = encode_file(path, self.max_bytes)
        except FileNotFoundError:
            return placeholder("missing audio", path)
        except OSError as exc:
            log.debug("cannot play audio %s: %s", path, exc)
            return placeholder("unreadable audio", path)
        parts = ['<div class="zh-audio">']
        if audio.uri is not None:
            parts.append(f'<audio class="zh-player" controls preload="metadata" src="{audio.uri}">')
            parts.append("</audio>")
        elif audio.size > self.max_bytes:
            parts.append(
                f'<div class="zh-note">too large to play inline ({audio.size / 1e6:.1f} MB)</div>'
            )
        else:
            parts.append('<div class="zh-note">not a known audio format</div>')
        if audio.points:
            parts.append(waveform_svg(audio.points))
        info = os.path.basename(path)
        if audio.seconds is not None:
            info += f" · {audio.seconds:.2f} s"
        parts.append(f'<div class="zh-audio-info" title="{escape(path)}">{escape(info)}</div>')
        parts.append("</div>")
        return "".join(parts)
