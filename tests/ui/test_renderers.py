"""Instance-card renderers: what a user sees in the card HTML (pixels, samples, text, marks)."""

from __future__ import annotations

import ast
import base64
import importlib.util
import io
import os
import re
import wave
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import zenohub.ui.renderers as renderers_pkg
from zenohub.errors import ConfigError
from zenohub.ui.renderers import (
    CARD_CSS,
    AudioRenderer,
    ImageRenderer,
    RenderContext,
    Renderer,
    TabularRenderer,
    TextRenderer,
    escape,
    highlight_text,
    register_renderer,
    render_card,
    renderer_for,
    renderers,
    unregister_renderer,
)

ROOT = Path(__file__).resolve().parents[2]
CTX = RenderContext()
DATA_URI = re.compile(r'src="data:(?P<mime>[\w/+.-]+);base64,(?P<b64>[A-Za-z0-9+/=]+)"')


#: tags a browser lays out as their own boxes (text on either side does not run together)
BLOCKS = {"div", "p", "br", "table", "tr", "th", "td", "audio", "svg"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(markup: str) -> str:
    """The text a browser shows (tags dropped, entities decoded, whitespace collapsed)."""
    parser = _Text()
    parser.feed(markup)
    return " ".join("".join(parser.parts).split())


def embedded(markup: str) -> tuple[str, bytes]:
    """(MIME type, bytes) of the one data URI in ``markup``."""
    found = DATA_URI.findall(markup)
    assert len(found) == 1, markup[:300]
    mime, b64 = found[0]
    return mime, base64.b64decode(b64, validate=True)


def embedded_pixels(markup: str) -> np.ndarray:
    mime, data = embedded(markup)
    assert mime.startswith("image/")
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


def marks(markup: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", markup)


# --- images ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The digits demo's instance table, its PNGs written by the demo's own loader."""
    spec = importlib.util.spec_from_file_location(
        "zenohub_user_digits_data_renderers", ROOT / "examples/digits/functions/data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load(str(tmp_path_factory.mktemp("digits")))


def test_digit_png_is_embedded_with_its_real_pixels(digits: pd.DataFrame) -> None:
    row = digits.iloc[7].to_dict()
    out = ImageRenderer().render(row["image"], row=row, ctx=CTX)
    pixels = embedded_pixels(out)
    with Image.open(row["image"]) as image:
        expected = np.asarray(image)
    assert expected.shape == (32, 32)
    np.testing.assert_array_equal(pixels, expected)
    assert pixels.max() > 200 and pixels.min() == 0 and (pixels > 0).mean() > 0.1  # ink, not blank
    assert 'width="96" height="96"' in out
    assert "image-rendering: pixelated" in out  # 32 px shown at 96 px stays crisp
    assert embedded(out)[0] == "image/png"


def test_relative_path_starts_from_data_path(digits: pd.DataFrame) -> None:
    path = Path(digits["image"].iloc[0])
    ctx = RenderContext(data_path=str(path.parent.parent))
    out = ImageRenderer().render(f"images/{path.name}", row={}, ctx=ctx)
    with Image.open(path) as image:
        np.testing.assert_array_equal(embedded_pixels(out), np.asarray(image))


def test_digit_card_through_the_registry(digits: pd.DataFrame) -> None:
    row = {**digits.iloc[3].to_dict(), "output:output@mlp-v1": digits["label"].iloc[3]}
    out = render_card(
        row,
        renderer=renderer_for("image-classification"),
        ctx=CTX,
        id_column="id",
        data_column="image",
        label_column="label",
        output_column="output:output@mlp-v1",
    )
    assert f'data-id="{row["id"]}"' in out
    assert embedded_pixels(out).max() > 0
    assert f"label: {row['label']} output: {row['label']}" in visible_text(out)
    assert "zh-wrong" not in out


def test_array_images() -> None:
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    np.testing.assert_array_equal(
        embedded_pixels(ImageRenderer().render(gray, row={}, ctx=CTX)), gray
    )
    rgba = rng.integers(0, 256, (40, 20, 4), dtype=np.uint8)
    out = ImageRenderer().render(rgba, row={}, ctx=CTX)
    np.testing.assert_array_equal(embedded_pixels(out), rgba)
    assert 'width="48" height="96"' in out  # aspect ratio kept
    unit = np.array([[0.0, 0.5], [1.0, np.nan]])
    np.testing.assert_array_equal(
        embedded_pixels(ImageRenderer().render(unit, row={}, ctx=CTX)), [[0, 128], [255, 0]]
    )
    bad = ImageRenderer().render(np.zeros((2, 2, 2)), row={}, ctx=CTX)
    assert "unreadable image" in visible_text(bad) and "<img" not in bad


def test_large_image_becomes_a_thumbnail_and_small_ones_are_not_upscaled_smoothly(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(1)
    big = tmp_path / "big.png"
    Image.fromarray(rng.integers(0, 256, (600, 400, 3), dtype=np.uint8)).save(big)
    assert big.stat().st_size > 96 * 1024
    out = ImageRenderer().render(str(big), row={}, ctx=CTX)
    assert embedded_pixels(out).shape == (192, 128, 3)  # 2x thumb_px for dense screens
    assert 'width="64" height="96"' in out and "pixelated" not in out


def test_image_type_is_told_by_content_not_extension(tmp_path: Path) -> None:
    pixels = np.full((16, 16, 3), (200, 30, 30), np.uint8)
    jpeg = tmp_path / "photo.png"  # a JPEG with the wrong extension
    Image.fromarray(pixels).save(jpeg, format="JPEG")
    out = ImageRenderer().render(str(jpeg), row={}, ctx=CTX)
    assert embedded(out) == ("image/jpeg", jpeg.read_bytes())
    bmp = tmp_path / "scan.bmp"  # browsers need it re-encoded
    Image.fromarray(pixels).save(bmp)
    out = ImageRenderer().render(str(bmp), row={}, ctx=CTX)
    assert embedded(out)[0] == "image/png"
    np.testing.assert_array_equal(embedded_pixels(out), pixels)


def test_an_edited_file_is_shown_anew(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path)
    assert embedded_pixels(ImageRenderer().render(str(path), row={}, ctx=CTX)).max() == 0
    Image.fromarray(np.full((4, 5), 255, np.uint8)).save(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert embedded_pixels(ImageRenderer().render(str(path), row={}, ctx=CTX)).min() == 255


def test_missing_and_unreadable_images_show_a_placeholder(tmp_path: Path) -> None:
    missing = str(tmp_path / "<b>gone</b>.png")
    out = ImageRenderer().render(missing, row={}, ctx=CTX)
    assert visible_text(out) == f"missing image: {missing}"
    assert "<b>" not in out and "<img" not in out
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert "unreadable image" in visible_text(ImageRenderer().render(str(corrupt), row={}, ctx=CTX))
    assert "unreadable image" in ImageRenderer().render(str(tmp_path), row={}, ctx=CTX)
    assert visible_text(ImageRenderer().render(None, row={}, ctx=CTX)) == "no image"
    assert visible_text(ImageRenderer().render(float("nan"), row={}, ctx=CTX)) == "no image"


# --- text --------------------------------------------------------------------------------------


def test_script_text_is_escaped() -> None:
    out = TextRenderer().render("<script>alert(1)</script> & more", row={}, ctx=CTX)
    assert "<script" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in out
    assert visible_text(out) == "<script>alert(1)</script> & more"


def test_highlight_plain_ignores_case_by_default() -> None:
    ctx = RenderContext(highlight="dog")
    out = TextRenderer().render("A Dog and a dog<br>", row={}, ctx=ctx)
    assert marks(out) == ["Dog", "dog"]
    assert out.endswith("&lt;br&gt;</div>")
    assert (
        marks(
            TextRenderer().render(
                "A Dog", row={}, ctx=RenderContext(highlight="dog", case_sensitive=True)
            )
        )
        == []
    )


def test_highlight_matches_raw_text_then_escapes() -> None:
    out = highlight_text("a<b>c & <b>", RenderContext(highlight="<b>"))
    assert out == "a<mark>&lt;b&gt;</mark>c &amp; <mark>&lt;b&gt;</mark>"
    # "&" must not match inside an escaped entity such as &lt;
    assert marks(highlight_text("x < y", RenderContext(highlight="lt"))) == []


def test_highlight_regex_whole_word_and_invalid_regex() -> None:
    text = "cat catalog concat Cat"
    assert marks(
        highlight_text(text, RenderContext(highlight=r"cat\w*", highlight_regex=True))
    ) == [
        "cat",
        "catalog",
        "cat",
        "Cat",
    ]
    assert marks(highlight_text(text, RenderContext(highlight="cat", whole_word=True))) == [
        "cat",
        "Cat",
    ]
    assert marks(highlight_text(text, RenderContext(highlight="x*", highlight_regex=True))) == []
    invalid = highlight_text("a (b", RenderContext(highlight="(b", highlight_regex=True))
    assert invalid == "a (b"


def test_long_text_is_cut_around_the_first_match() -> None:
    text = "x" * 100 + " needle " + "y" * 100
    short = highlight_text(text, RenderContext(max_text=40))
    assert short == "x" * 40 + "…"
    found = highlight_text(text, RenderContext(highlight="needle", max_text=40))
    assert found.startswith("…") and found.endswith("…")
    assert marks(found) == ["needle"]
    assert len(visible_text(found)) <= 42


def test_chat_messages_and_missing_text() -> None:
    chat = [{"role": "user", "content": "hi <there>"}, {"role": "assistant", "content": "hello"}]
    out = TextRenderer().render(chat, row={}, ctx=CTX)
    assert visible_text(out) == "user: hi <there> assistant: hello"
    assert "<there>" not in out
    assert visible_text(TextRenderer().render(None, row={}, ctx=CTX)) == "(no text)"


# --- audio -------------------------------------------------------------------------------------


def write_wav(path: Path, seconds: float = 0.5, rate: int = 8000, channels: int = 1) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.8 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    frames = np.repeat(tone[:, None], channels, axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return path.read_bytes()


def polyline_points(markup: str) -> np.ndarray:
    found = re.search(r'<polyline points="([^"]*)"', markup)
    assert found, markup[-400:]
    return np.array([[float(v) for v in p.split(",")] for p in found[1].split()])


def test_audio_player_plays_the_file_and_draws_its_waveform(tmp_path: Path) -> None:
    content = write_wav(tmp_path / "tone.wav", channels=2)
    out = AudioRenderer().render("tone.wav", row={}, ctx=RenderContext(data_path=str(tmp_path)))
    assert "<audio" in out and "controls" in out
    assert embedded(out) == ("audio/wav", content)
    points = polyline_points(out)
    assert len(points) == 2 * 180  # a max and a min per pixel column
    assert points[:, 0].min() > 0 and points[:, 0].max() < 180
    # a 0.8-amplitude tone spans 10%..90% of the 40-unit height
    assert points[:, 1].min() == pytest.approx(4, abs=0.2)
    assert points[:, 1].max() == pytest.approx(36, abs=0.2)
    assert "tone.wav · 0.50 s" in visible_text(out)


def test_large_audio_keeps_its_waveform_but_no_inline_player(tmp_path: Path) -> None:
    write_wav(tmp_path / "long.wav", seconds=3)
    renderer = AudioRenderer()
    renderer.max_bytes = 10_000
    out = renderer.render(str(tmp_path / "long.wav"), row={}, ctx=CTX)
    assert "<audio" not in out and "too large to play inline" in visible_text(out)
    assert len(polyline_points(out)) == 360


def test_missing_or_unknown_audio(tmp_path: Path) -> None:
    out = AudioRenderer().render(str(tmp_path / "<x>.wav"), row={}, ctx=CTX)
    assert visible_text(out) == f"missing audio: {tmp_path / '<x>.wav'}" and "<x>" not in out
    (tmp_path / "notes.txt").write_text("not audio")
    out = AudioRenderer().render(str(tmp_path / "notes.txt"), row={}, ctx=CTX)
    assert "not a known audio format" in visible_text(out) and "polyline" not in out


# --- tabular -----------------------------------------------------------------------------------


def test_tabular_shows_dataset_columns_escaped_and_formatted() -> None:
    row = pd.Series(
        {
            "id": 7,
            "income": 52341.987,
            "rate": np.float64(0.0712345),
            "purpose": "<b>car</b>",
            "missing": np.nan,
            "output:output@gbm": True,
            "distill:dti": 0.5,
        }
    )
    out = TabularRenderer().render(None, row=row, ctx=CTX)
    assert visible_text(out) == "id 7 income 5.234e+04 rate 0.07123 purpose <b>car</b> missing —"
    assert "<b>" not in out and "output" not in out and "dti" not in out


def test_tabular_is_the_fallback_and_marks_search_matches() -> None:
    assert isinstance(renderer_for("some-future-view"), TabularRenderer)
    assert isinstance(renderer_for(None), TabularRenderer)
    out = renderer_for("tabular").render(
        "", row={"purpose": "business loan"}, ctx=RenderContext(highlight="loan")
    )
    assert marks(out) == ["loan"]


# --- cards -------------------------------------------------------------------------------------


def card(row: dict[str, Any], **kwargs: Any) -> str:
    options: dict[str, Any] = {
        "renderer": TextRenderer(),
        "ctx": CTX,
        "id_column": "id",
        "data_column": "text",
        "label_column": "label",
        "output_column": "output:output@m1",
    }
    return render_card(row, **{**options, **kwargs})


@pytest.mark.parametrize(
    ("label", "output", "wrong"),
    [
        ("pos", "neg", True),
        ("pos", "pos", False),
        (np.int64(3), 3.0, False),
        (np.int64(3), np.int64(5), True),
        (True, np.True_, False),
        ("pos", None, False),
        (None, "pos", False),
        (np.nan, "pos", False),
    ],
)
def test_card_is_marked_wrong_iff_output_differs_from_label(
    label: Any, output: Any, wrong: bool
) -> None:
    out = card({"id": "a", "text": "t", "label": label, "output:output@m1": output})
    assert ("zh-wrong" in out) is wrong
    assert ("wrong" in visible_text(out).split()) is wrong


def test_card_escapes_everything() -> None:
    row = {
        "id": '"><script>x</script>',
        "text": "<i>t</i>",
        "label": "<b>",
        "output:output@m1": "<b>",
    }
    out = card(row)
    assert "<script" not in out and "<b>" not in out and "<i>" not in out
    assert 'data-id="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in out
    assert visible_text(out) == '"><script>x</script> <i>t</i> label: <b> output: <b>'


def test_card_without_label_or_output() -> None:
    out = card({"id": 1, "text": "t"}, label_column=None, output_column=None)
    assert visible_text(out) == "1 t"


def test_compare_mode_shows_both_outputs_and_whether_they_changed() -> None:
    row = {
        "id": 1,
        "text": "t",
        "label": "pos",
        "output:output@m1": "neg",
        "output:output@m2": "pos",
    }
    out = card(row, compare_output_column="output:output@m2", extra=[("confidence", 0.912345)])
    assert visible_text(out) == (
        "1 wrong t label: pos output (m1): neg output (m2): pos changed confidence: 0.9123"
    )
    assert "zh-wrong" in out and "zh-changed" in out
    same = card({**row, "output:output@m2": "neg"}, compare_output_column="output:output@m2")
    assert visible_text(same).endswith("output (m1): neg output (m2): neg unchanged")
    assert "zh-changed" not in same


def test_a_failing_renderer_does_not_break_the_card() -> None:
    class Broken(Renderer):
        name = "broken"

        def render(self, value: Any, *, row: Any, ctx: RenderContext) -> str:
            raise RuntimeError("boom")

    out = card({"id": 1, "text": "t", "label": "a", "output:output@m1": "a"}, renderer=Broken())
    assert "broken renderer failed: RuntimeError" in visible_text(out)


def test_card_css_styles_wrong_cards_and_marks() -> None:
    assert ".zh-card.zh-wrong" in CARD_CSS and "#d62728" in CARD_CSS
    assert "mark {" in CARD_CSS and ".zh-badge" in CARD_CSS


def test_card_renders_in_a_panel_html_pane() -> None:
    pn = pytest.importorskip("panel")
    markup = card({"id": 1, "text": "t", "label": "a", "output:output@m1": "b"})
    pane = pn.pane.HTML(f'<div class="zh-grid">{markup}</div>', stylesheets=[CARD_CSS])
    model = pane.get_root()
    assert "zh-wrong" in model.text
    assert any(CARD_CSS in str(s) for s in model.stylesheets)


# --- registry ----------------------------------------------------------------------------------


@pytest.fixture
def clean_registry() -> Iterator[None]:
    before = renderers()
    yield
    for name in set(renderers()) - set(before):
        unregister_renderer(name)
    for renderer in before.values():  # restore built-ins a test replaced
        if renderers().get(renderer.name) is not renderer:
            register_renderer(renderer)


def test_builtin_views() -> None:
    assert set(renderers()) >= {"image", "text", "audio", "tabular"}
    for view, cls in [
        ("image-classification", ImageRenderer),
        ("object-detection", ImageRenderer),
        ("image-captioning", ImageRenderer),
        ("text-classification", TextRenderer),
        ("chatbot", TextRenderer),
        ("code-generation", TextRenderer),
        ("audio-transcription", AudioRenderer),
        ("audio-classification", AudioRenderer),
        ("tabular", TabularRenderer),
        ("Image-Classification ", ImageRenderer),
    ]:
        assert isinstance(renderer_for(view), cls), view


@pytest.mark.usefixtures("clean_registry")
def test_a_custom_renderer_is_one_small_class() -> None:
    @register_renderer
    class ColorRenderer(Renderer):
        name = "color"
        views = ("color-naming",)

        def render(self, value: Any, *, row: Any, ctx: RenderContext) -> str:
            return f'<div class="swatch" style="background:{escape(value)}"></div>'

    assert isinstance(ColorRenderer, type)  # the decorator returns the class
    assert isinstance(renderer_for("color-naming"), ColorRenderer)
    assert renderers()["color"].views == ("color-naming",)
    out = card(
        {"id": 1, "text": "red", "label": "red", "output:output@m1": "red"},
        renderer=renderer_for("color-naming"),
    )
    assert 'style="background:red"' in out

    @register_renderer
    class MyImages(ImageRenderer):  # a later registration wins for a shared view
        name = "my-images"
        views = ("image-classification",)

    assert isinstance(renderer_for("image-classification"), MyImages)
    assert type(renderer_for("object-detection")) is ImageRenderer


def test_bad_renderers_are_refused() -> None:
    class Nameless(Renderer):
        def render(self, value: Any, *, row: Any, ctx: RenderContext) -> str:
            return ""

    with pytest.raises(ConfigError, match="non-empty `name`"):
        register_renderer(Nameless)
    with pytest.raises(ConfigError, match="Renderer subclass or instance"):
        register_renderer(object())  # type: ignore[type-var]
    with pytest.raises(ConfigError, match="tuple of view names"):
        register_renderer(type("One", (Nameless,), {"name": "one", "views": "text"}))
    with pytest.raises(ConfigError, match="cannot be unregistered"):
        unregister_renderer("tabular")


# --- package -----------------------------------------------------------------------------------


def test_public_api_is_complete() -> None:
    public = {n for n in dir(renderers_pkg) if not n.startswith("_")}
    assert set(renderers_pkg.__all__) == public - {"annotations"}


def test_renderers_do_not_import_panel() -> None:
    """Cheap to import in state code and workers: the package never imports Panel."""
    for path in Path(renderers_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] in ("panel", "bokeh") for n in names), path
