"""Instance cards for the Explore grid: one renderer per data type, picked by the config's ``view``.

Everything here is a pure function from values to HTML strings (no Panel), so it is cheap to
import and test; the grid view puts the cards in a pane with the stylesheet::

    ctx = RenderContext(data_path=config.data_path, highlight=search_text)
    renderer = renderer_for(config.view)
    cards = "".join(
        render_card(row, renderer=renderer, ctx=ctx, id_column="id", data_column="image",
                    label_column="label", output_column="output:output@mlp-v2")
        for row in page.to_dict("records")
    )
    pn.pane.HTML(f'<div class="zh-grid">{cards}</div>', stylesheets=[CARD_CSS])

Built-in renderers (name: views)

- ``image``: image-classification, image-segmentation, object-detection, image-*
- ``text``: text-classification, text-generation, chatbot, code-generation, text-*, ...
- ``audio``: audio-transcription, audio-classification, speech-recognition, audio-*
- ``tabular``: tabular, tabular-classification, tabular-regression — and every view no
  renderer serves.

Adding a data type is one small class::

    from zenohub.ui.renderers import Renderer, escape, register_renderer

    @register_renderer
    class ColorRenderer(Renderer):
        name = "color"
        views = ("color-naming",)

        def render(self, value, *, row, ctx):
            return f'<div style="width:64px;height:64px;background:{escape(value)}"></div>'

Register it in code that runs before the app starts (e.g. a module of the project's functions
folder). ``render`` receives the row's data column, the whole row and a :class:`RenderContext`;
it returns an HTML fragment with all user data escaped and never raises for bad data (return a
:func:`placeholder`; should it raise anyway, :func:`render_card` shows a placeholder).
"""

from ._audio import AudioRenderer
from ._base import (
    RenderContext,
    Renderer,
    escape,
    format_value,
    placeholder,
    register_renderer,
    renderer_for,
    renderers,
    unregister_renderer,
)
from ._card import CARD_CSS, render_card
from ._image import ImageRenderer
from ._tabular import TabularRenderer
from ._text import TextRenderer, highlight_text

__all__ = [
    "CARD_CSS",
    "AudioRenderer",
    "ImageRenderer",
    "RenderContext",
    "Renderer",
    "TabularRenderer",
    "TextRenderer",
    "escape",
    "format_value",
    "highlight_text",
    "placeholder",
    "register_renderer",
    "render_card",
    "renderer_for",
    "renderers",
    "unregister_renderer",
]
