"""The widget every builder returns: controls above a PNG of a figure that is redrawn by blitting."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets
import numpy as np
import PIL.Image
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class FlowWidget(ipywidgets.VBox):
    """Controls above a figure image; moving a control updates the figure's artists and re-renders it.

    `figure` is the matplotlib Figure, `controls` maps names to the control widgets, `artists`
    the artists that change, `inputs` the fixed arrays drawn once (base samples, stages...).
    The figure is drawn in full once; a redraw pastes that background and draws only the
    `animated` artists on it (matplotlib's blitting), then encodes the PNG.
    """

    def __init__(
        self,
        label: str,
        figure: Figure,
        controls: Mapping[str, ipywidgets.ValueWidget],
        update: Callable[[], None],
        artists: Mapping[str, Any],
        inputs: Mapping[str, Any],
        animated: Sequence[Artist],
    ) -> None:
        """Lay out the controls above the image, draw the figure once and redraw on every control change."""
        self.figure = figure
        self.controls = dict(controls)
        self.artists = dict(artists)
        self.inputs = dict(inputs)
        self._label = label
        self._update = update
        self._png, self._png_is_compact = b"", False
        # Shown at its own pixel size (a narrower output area scales it down), never stretched and blurred.
        self.image = ipywidgets.Image(format="png", width=str(round(figure.bbox.width)))
        control_box = ipywidgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"})
        super().__init__(children=[control_box, self.image], layout={"align_items": "flex-start"})
        # Drawn in zorder, as a full draw would. Legends stay in the background: builders place them
        # where the animated artists do not go (redrawing legend text would double the cost of a move).
        self._animated = sorted(animated, key=lambda artist: artist.get_zorder())
        FigureCanvasAgg(figure)
        self._update()
        for _ in range(2):  # once, with the first titles in place (twice: it converges): redraws keep it
            figure.tight_layout()
        self._background = self._draw_background()
        self.redraw(compact=True)  # the first picture is the one a saved notebook keeps: make it small
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _draw_background(self) -> Any:
        """Draw everything but the animated artists once and keep the pixels."""
        for artist in self._animated:
            artist.set_animated(True)
        self.figure.canvas.draw()
        return self.figure.canvas.copy_from_bbox(self.figure.bbox)

    def _on_change(self, change: dict) -> None:
        """Redraw after any control's value changed (an observer: it must not print)."""
        self.redraw()

    def redraw(self, compact: bool = False) -> None:
        """Update the artists from the controls' values, draw them on the background, send the PNG to the image."""
        self._update()
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        self._png = encode_png(np.asarray(canvas.buffer_rgba()), compact)
        self._png_is_compact = compact
        self.image.value = self._png

    def full_render(self) -> bytes:
        """Return the PNG of a full, slow draw of the figure at the current values (to check the fast path)."""
        for artist in self._animated:
            artist.set_animated(False)
        try:
            self.figure.canvas.draw()
            return encode_png(np.asarray(self.figure.canvas.buffer_rgba()))
        finally:
            self._background = self._draw_background()
            self.redraw()

    @property
    def png(self) -> bytes:
        """The PNG of the figure as last drawn."""
        return self._png

    def values(self) -> dict[str, Any]:
        """Return the current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _text(self) -> str:
        """A short description with the controls' values, the same on every run for the same values."""
        parts = []
        for name, control in self.controls.items():
            value = control.value
            parts.append(f"{name}={value:.2f}" if isinstance(value, float) else f"{name}={value}")
        return f"{self._label} widget ({', '.join(parts)})"

    def __repr__(self) -> str:
        """The same short text as the static fallback."""
        return self._text()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The live widget view, plus the figure as PNG and a stable text for frontends without widgets."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self._text()
        png = self._png if self._png_is_compact else encode_png(np.asarray(self.figure.canvas.buffer_rgba()), True)
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle


def encode_png(rgba: np.ndarray, compact: bool = False) -> bytes:
    """Encode an (h, w, 4) uint8 RGBA array as PNG: fast (a slider move) or compact (stored in a notebook).

    Compact = a 256-colour palette: about a third of the size, looks the same, ~0.1 s to make.
    """
    image = PIL.Image.fromarray(rgba[..., :3])
    buffer = io.BytesIO()
    if compact:
        image.quantize(256, method=PIL.Image.Quantize.MEDIANCUT).save(buffer, format="png", optimize=True)
    else:
        image.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()
