"""Interactive figures for the notebooks: ipywidgets sliders that redraw a matplotlib figure live.

Use in a notebook: one line, the last line of a cell (the returned widget displays itself):

    from course_utils import widgets
    widgets.affine_flow_1d()                      # 01: 1-D affine flow, densities and log-det
    widgets.autoregressive_2d()                   # 02/03: 2-D autoregressive affine map, triangular Jacobian
    widgets.coupling_layer()                      # 05: a coupling layer, which dimension passes through
    widgets.training_replay(history, data.x)      # 06: replay stored training snapshots epoch by epoch
    widgets.chain_stages(chain, z)                # 07: walk samples through a Chain bijector by bijector

Every builder returns a `FlowWidget`: an ipywidgets VBox holding the controls and an
`ipywidgets.Image` with the figure as a PNG. Everything expensive (training, log-prob grids,
forward passes through networks) happens once, before the widget is built; moving a control
only updates matplotlib artists (`set_offsets`, `set_data`, `set_segments`, `set_array`,
`set_text`) and renders the figure to a new PNG (`benchmarks/widgets_redraw.py` measures it).
The figure is a plain `matplotlib.figure.Figure`, not a pyplot one, so the inline backend never
shows a second copy of it.

Static fallback: the widget's display bundle holds three representations, and each frontend
picks the best it can render: the live widget view (JupyterLab or Notebook with a running
kernel), the figure as a PNG (256 colours, 10-35 kB), and a short
deterministic text such as "affine_flow_1d widget (shift=1.00, log_scale=0.40)". Checked here:
a saved notebook opened in JupyterLab shows the PNG until its cells are run again (with or
without widget state stored in it); `jupyter nbconvert --to html` shows the PNG when the notebook
stores no widget state (with state, it embeds the widget, whose JavaScript comes from a CDN);
nbval compares the text only (it ignores the widget view's model id and PNGs) and passes on
re-runs. Handlers never print, so nbval sees no stream output from a widget. `widget.figure`
is the figure itself, to save or show elsewhere.
"""
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
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from course_utils import _checks
from course_utils.builders import forward_stages
from course_utils.training import SnapshotFn, TrainingHistory

__all__ = [
    "FlowWidget", "affine_flow_1d", "autoregressive_2d", "coupling_layer", "training_replay", "chain_stages",
    "density_snapshot_fn",
]

Limits = tuple[float, float]

_DPI = 90
_SLIDER_STYLE = {"description_width": "initial"}
_SLIDER_LAYOUT = {"width": "300px"}
_Z_COLOR, _X_COLOR, _DATA_COLOR = "0.55", "tab:blue", "0.7"
# Legends of scatter panels go below the axes, out of the way of points that move.
_LEGEND_BELOW = dict(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3, fontsize=8, markerscale=3,
                     frameon=False)


# ---------------------------------------------------------------- the widget


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
    ):
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
        self._png = _encode_png(np.asarray(canvas.buffer_rgba()), compact)
        self._png_is_compact = compact
        self.image.value = self._png

    def full_render(self) -> bytes:
        """Return the PNG of a full, slow draw of the figure at the current values (to check the fast path)."""
        for artist in self._animated:
            artist.set_animated(False)
        try:
            self.figure.canvas.draw()
            return _encode_png(np.asarray(self.figure.canvas.buffer_rgba()))
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
        return self._text()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The live widget view, plus the figure as PNG and a stable text for frontends without widgets."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self._text()
        png = self._png if self._png_is_compact else _encode_png(np.asarray(self.figure.canvas.buffer_rgba()), True)
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle


def _encode_png(rgba: np.ndarray, compact: bool = False) -> bytes:
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


def _figure(width: float, height: float, ncols: int) -> tuple[Figure, list]:
    """Return a non-pyplot Figure with ncols axes side by side."""
    fig = Figure(figsize=(width, height), dpi=_DPI)
    return fig, list(np.atleast_1d(fig.subplots(1, ncols)))


def _slider(name: str, value: float, low: float, high: float, step: float = 0.05) -> ipywidgets.FloatSlider:
    """Return a float slider for `name`, checking that its initial `value` lies in [low, high]."""
    value = _number(name, value)
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}] (the slider's range), got {value}")
    return ipywidgets.FloatSlider(value=value, min=low, max=high, step=step, description=name,
                                  readout_format=".2f", continuous_update=True,
                                  style=_SLIDER_STYLE, layout=_SLIDER_LAYOUT)


def _number(name: str, value: Any) -> float:
    """Return `value` as a finite float, or raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r} of type {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _point(name: str, value: Any) -> np.ndarray:
    """Return `value` as a finite (2,) float array, or raise."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a pair of numbers (z1, z2), got {value!r}") from error
    if array.shape != (2,) or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a pair of finite numbers (z1, z2), got {value!r}")
    return array


def _standard_normal(n: int, seed: int, dims: int = 1) -> np.ndarray:
    """Return n seeded N(0, I) draws of shape (n,) or (n, dims)."""
    z = np.random.default_rng(seed).standard_normal((n, dims))
    return z[:, 0] if dims == 1 else z


def _grid_lines(lim: Limits, n_lines: int, n_points: int = 60) -> np.ndarray:
    """Return the lines of a square grid, shape (2 * n_lines, n_points, 2): horizontal, then vertical."""
    t = np.linspace(*lim, n_points)
    levels = np.linspace(*lim, n_lines)
    horizontal = [np.stack([t, np.full_like(t, v)], axis=1) for v in levels]
    vertical = [np.stack([np.full_like(t, v), t], axis=1) for v in levels]
    return np.array(horizontal + vertical)


def _style(ax, xlim: Limits, ylim: Limits, title: str, xlabel: str, ylabel: str) -> Any:
    """Limits, equal aspect, title and labels of a 2-D panel; return the title's Text (updated live)."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax.set_title(title, fontsize=10)


# ---------------------------------------------------------------- 01: 1-D affine flow


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    """The N(0, 1) density."""
    return np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi)


def affine_flow_1d(shift: float = 1.0, log_scale: float = 0.4, x_lim: Limits = (-9.0, 9.0),
                   n_samples: int = 150, seed: int = 0) -> FlowWidget:
    """Sliders for x = shift + e^log_scale z, z ~ N(0, 1): base and transformed densities and the log-det, live."""
    controls = {"shift": _slider("shift", shift, -2.5, 2.5),
                "log_scale": _slider("log_scale", log_scale, -1.5, 0.5)}
    low, high = _checks.limits("x_lim", x_lim)
    n_samples = _checks.positive_int("n_samples", n_samples)
    seed = _checks.non_negative_int("seed", seed)

    x = np.linspace(low, high, 1201)
    z_samples = _standard_normal(n_samples, seed)
    fig, (ax_p, ax_log) = _figure(10.0, 3.8, 2)
    ax_p.plot(x, _normal_pdf(x), color=_Z_COLOR, linestyle="--", label=r"base $p_z = \mathcal{N}(0, 1)$")
    density, = ax_p.plot(x, x * 0, color=_X_COLOR, linewidth=2, label=r"$p_x(x) = p_z(z)\,e^{-s}$")
    ax_p.plot(z_samples, np.full(n_samples, -0.06), "|", color=_Z_COLOR, markersize=6)
    x_rug, = ax_p.plot(z_samples, np.full(n_samples, -0.14), "|", color=_X_COLOR, markersize=6)
    mean_line = ax_p.axvline(0.0, color=_X_COLOR, linestyle=":", linewidth=1)
    ax_p.set(xlim=(low, high), ylim=(-0.2, 1.9), xlabel="x", ylabel="density")
    ax_p.legend(loc="upper left", fontsize=8)
    density_title = ax_p.set_title("", fontsize=10)

    log_base, = ax_log.plot(x, x * 0, color="tab:orange", linestyle="--", label=r"$\log p_z(z)$,  $z = (x - b)\,e^{-s}$")
    log_density, = ax_log.plot(x, x * 0, color=_X_COLOR, linewidth=2, label=r"$\log p_x(x) = \log p_z(z) - s$")
    gap, = ax_log.plot([0, 0], [0, 0], color="tab:red", linewidth=3, solid_capstyle="butt")
    gap_text = ax_log.text(0, 0, "", color="tab:red", fontsize=10, va="center")
    ax_log.set(xlim=(low, high), ylim=(-8.0, 2.5), xlabel="x", ylabel="log density")
    ax_log.legend(loc="upper right", fontsize=8)
    ax_log.set_title("log-densities: the gap is the log-det term", fontsize=10)

    def update() -> None:
        b, s = controls["shift"].value, controls["log_scale"].value
        z = (x - b) * np.exp(-s)
        log_pz = -0.5 * z**2 - 0.5 * np.log(2 * np.pi)
        density.set_ydata(np.exp(log_pz - s))
        x_rug.set_xdata(b + np.exp(s) * z_samples)
        mean_line.set_xdata([b, b])
        density_title.set_text(f"x = b + exp(s) z:  mean b = {b:.2f},  std exp(s) = {np.exp(s):.2f}")
        log_base.set_ydata(log_pz)
        log_density.set_ydata(log_pz - s)
        top = -0.5 * np.log(2 * np.pi)
        gap.set_data([b, b], [top, top - s])
        gap_text.set_position((b + 0.4, top + 0.5))
        gap_text.set_text(f"log|dx/dz| = s = {s:.2f}")

    return FlowWidget("affine_flow_1d", fig, controls, update,
                      {"density": density, "x_samples": x_rug, "log_base": log_base, "log_density": log_density,
                       "log_det_text": gap_text},
                      {"x": x, "z_samples": z_samples},
                      [density, x_rug, mean_line, density_title, log_base, log_density, gap, gap_text])


# ---------------------------------------------------------------- 02/03: 2-D autoregressive affine map


def autoregressive_forward(z: np.ndarray, a: float, s: float, b: Sequence[float], t: Sequence[float]) -> np.ndarray:
    """Return x for x1 = a + e^s z1, x2 = b(x1) + e^{t(x1)} z2, b and t polynomials (coefficients lowest first)."""
    z = np.asarray(z, dtype=float)
    x1 = a + np.exp(s) * z[..., 0]
    x2 = np.polynomial.polynomial.polyval(x1, b) + np.exp(np.polynomial.polynomial.polyval(x1, t)) * z[..., 1]
    return np.stack([x1, x2], axis=-1)


def autoregressive_jacobian(z: np.ndarray, a: float, s: float, b: Sequence[float], t: Sequence[float]) -> np.ndarray:
    """Return the 2x2 Jacobian dx/dz of `autoregressive_forward` at one point z (lower triangular)."""
    z = np.asarray(z, dtype=float)
    P = np.polynomial.polynomial
    x1 = a + np.exp(s) * z[0]
    t_x1 = P.polyval(x1, t)
    dx2_dx1 = P.polyval(x1, P.polyder(b)) + P.polyval(x1, P.polyder(t)) * np.exp(t_x1) * z[1]
    return np.array([[np.exp(s), 0.0], [dx2_dx1 * np.exp(s), np.exp(t_x1)]])


_JACOBIAN_LABELS = {(0, 0): r"$\partial x_1/\partial z_1 = e^{s}$", (0, 1): r"$\partial x_1/\partial z_2$",
                    (1, 0): r"$\partial x_2/\partial z_1$", (1, 1): r"$\partial x_2/\partial z_2 = e^{t(x_1)}$"}


def autoregressive_2d(a: float = 0.0, s: float = 0.0, b0: float = 0.0, b1: float = 0.5, b2: float = 0.3,
                      t0: float = -0.3, t1: float = 0.3, point: Sequence[float] = (1.0, 1.0),
                      n_samples: int = 400, seed: int = 0) -> FlowWidget:
    """Sliders for x1 = a + e^s z1, x2 = b(x1) + e^{t(x1)} z2: warped grid and samples, triangular Jacobian at a point."""
    controls = {"a": _slider("a", a, -2.0, 2.0), "s": _slider("s", s, -1.0, 0.5),
                "b0": _slider("b0", b0, -2.0, 2.0), "b1": _slider("b1", b1, -1.5, 1.5),
                "b2": _slider("b2", b2, -0.5, 0.5), "t0": _slider("t0", t0, -1.0, 0.5),
                "t1": _slider("t1", t1, -0.3, 0.3)}
    z_point = _point("point", point)
    n_samples = _checks.positive_int("n_samples", n_samples)
    seed = _checks.non_negative_int("seed", seed)

    z = _standard_normal(n_samples, seed, dims=2)
    lines = _grid_lines((-2.5, 2.5), 11)
    square = z_point + 0.5 * np.array([[0, 0], [1, 0], [1, 1], [0, 1]])
    colors = np.clip(z[:, 0] / 5 + 0.5, 0, 1)  # colour by z1: x1 depends on z1 only
    lim = (-6.0, 6.0)
    fig, (ax_z, ax_x, ax_j) = _figure(13.0, 4.4, 3)
    ax_z.add_collection(LineCollection(lines, colors="0.75", linewidths=0.8))
    ax_z.scatter(z[:, 0], z[:, 1], s=5, c=colors, cmap="coolwarm", vmin=0, vmax=1)
    ax_z.add_patch(Polygon(square, closed=True, facecolor="gold", edgecolor="black", alpha=0.8, zorder=3))
    _style(ax_z, (-4, 4), (-4, 4), "z-space: grid, N(0, I) samples, a square", "z1", "z2")

    warped_grid = LineCollection(lines, colors="0.75", linewidths=0.8)
    ax_x.add_collection(warped_grid)
    samples = ax_x.scatter(z[:, 0], z[:, 1], s=5, c=colors, cmap="coolwarm", vmin=0, vmax=1)
    parallelogram = Polygon(square, closed=True, facecolor="gold", edgecolor="black", alpha=0.8, zorder=3)
    ax_x.add_patch(parallelogram)
    marker, = ax_x.plot([0], [0], "k.", markersize=8, zorder=4)
    _style(ax_x, lim, lim, r"$x_1 = a + e^{s} z_1,\quad x_2 = b(x_1) + e^{t(x_1)} z_2$", "x1", "x2")

    ax_j.set(xlim=(-0.05, 2.05), ylim=(-0.95, 2.05), xticks=[], yticks=[])
    ax_j.set_aspect("equal")
    for spine in ax_j.spines.values():
        spine.set_visible(False)
    cells = {}
    for row in range(2):
        for col in range(2):
            zero = (row, col) == (0, 1)
            ax_j.add_patch(Rectangle((col, 1 - row), 1, 1, facecolor="0.85" if zero else "white", edgecolor="black"))
            cells[row, col] = ax_j.text(col + 0.5, 1.45 - row, "", ha="center", va="center", fontsize=12)
            ax_j.text(col + 0.5, 1.8 - row, _JACOBIAN_LABELS[row, col], ha="center", va="center", fontsize=9,
                      color="0.3")
    ax_j.text(1.5, 1.15, "always 0", ha="center", fontsize=8, color="0.35")
    det_text = ax_j.text(1.0, -0.25, "", ha="center", va="center", fontsize=10)
    ax_j.text(1.0, -0.7, r"$b(x_1) = b_0 + b_1 x_1 + b_2 x_1^2,\quad t(x_1) = t_0 + t_1 x_1$",
              ha="center", va="center", fontsize=9)
    jacobian_title = ax_j.set_title("", fontsize=10)

    def update() -> None:
        v = {name: control.value for name, control in controls.items()}
        b, t = (v["b0"], v["b1"], v["b2"]), (v["t0"], v["t1"])
        warped_grid.set_segments(list(autoregressive_forward(lines, v["a"], v["s"], b, t)))
        samples.set_offsets(autoregressive_forward(z, v["a"], v["s"], b, t))
        x_point = autoregressive_forward(z_point, v["a"], v["s"], b, t)
        jacobian = autoregressive_jacobian(z_point, v["a"], v["s"], b, t)
        parallelogram.set_xy(x_point + (square - z_point) @ jacobian.T)  # the square through the linearised map
        marker.set_data([x_point[0]], [x_point[1]])
        for (row, col), text in cells.items():
            text.set_text(f"{jacobian[row, col]:.3f}")
        t_x1 = np.polynomial.polynomial.polyval(x_point[0], t)
        det_text.set_text(f"log|det J| = s + t(x1) = {v['s']:.2f} + {t_x1:.3f} = {v['s'] + t_x1:.3f}")
        jacobian_title.set_text(f"Jacobian dx/dz at z = ({z_point[0]:.1f}, {z_point[1]:.1f})")

    return FlowWidget("autoregressive_2d", fig, controls, update,
                      {"samples": samples, "grid": warped_grid, "parallelogram": parallelogram, "point": marker,
                       "jacobian_cells": cells, "log_det_text": det_text},
                      {"z": z, "lines": lines, "point": z_point},
                      [warped_grid, samples, parallelogram, marker, *cells.values(), det_text])


# ---------------------------------------------------------------- 05: coupling layer


def coupling_forward(z: np.ndarray, passing: int, shift: Sequence[float], log_scale: Sequence[float]) -> np.ndarray:
    """Return x: x[passing] = z[passing], the other = z_other e^{log_scale(u)} + shift(u), u = z[passing]."""
    z = np.asarray(z, dtype=float)
    u, other = z[..., passing], z[..., 1 - passing]
    P = np.polynomial.polynomial
    x = z.copy()
    x[..., 1 - passing] = other * np.exp(P.polyval(u, log_scale)) + P.polyval(u, shift)
    return x


def coupling_layer(passing: int = 0, shift_offset: float = 0.0, shift_bend: float = 0.5,
                   log_scale_offset: float = 0.0, log_scale_slope: float = 0.3,
                   n_samples: int = 400, seed: int = 0) -> FlowWidget:
    """Controls for a 2-D affine coupling layer: pick the pass-through dimension, bend and scale the other one."""
    if isinstance(passing, bool) or passing not in (0, 1):
        raise ValueError(f"passing must be 0 (x1 passes through) or 1 (x2 passes through), got {passing!r}")
    controls = {
        "passing": ipywidgets.ToggleButtons(options=[("x1 = z1", 0), ("x2 = z2", 1)], value=int(passing),
                                                   description="passes through", style=_SLIDER_STYLE),
        "shift_offset": _slider("shift_offset", shift_offset, -2.0, 2.0),
        "shift_bend": _slider("shift_bend", shift_bend, -1.0, 1.0),
        "log_scale_offset": _slider("log_scale_offset", log_scale_offset, -1.0, 0.7),
        "log_scale_slope": _slider("log_scale_slope", log_scale_slope, -0.6, 0.6),
    }
    n_samples = _checks.positive_int("n_samples", n_samples)
    seed = _checks.non_negative_int("seed", seed)

    z = _standard_normal(n_samples, seed, dims=2)
    lines = _grid_lines((-2.5, 2.5), 11)
    shown = np.arange(min(n_samples, 150))  # the points whose move is drawn
    lim = (-5.0, 5.0)
    fig, (ax_z, ax_x, ax_move) = _figure(13.0, 4.4, 3)
    z_grid = LineCollection(lines, colors="0.75", linewidths=0.8)
    ax_z.add_collection(z_grid)
    z_samples = ax_z.scatter(z[:, 0], z[:, 1], s=5, c=z[:, 0], cmap="viridis", norm=Normalize(-2.5, 2.5))
    _style(ax_z, lim, lim, "z-space, coloured by the pass-through z", "z1", "z2")
    x_grid = LineCollection(lines, colors="0.75", linewidths=0.8)
    ax_x.add_collection(x_grid)
    x_samples = ax_x.scatter(z[:, 0], z[:, 1], s=5, c=z[:, 0], cmap="viridis", norm=Normalize(-2.5, 2.5))
    x_title = _style(ax_x, lim, lim, "", "x1", "x2")
    moves = LineCollection(np.zeros((len(shown), 2, 2)), colors="tab:blue", linewidths=0.7, alpha=0.6)
    ax_move.add_collection(moves)
    ax_move.scatter(z[shown, 0], z[shown, 1], s=4, color=_Z_COLOR, zorder=3, label="z")
    move_ends = ax_move.scatter(z[shown, 0], z[shown, 1], s=4, color="tab:blue", zorder=3, label="x")
    move_title = _style(ax_move, lim, lim, "", "z1, x1", "z2, x2")
    ax_move.legend(**_LEGEND_BELOW)

    def update() -> None:
        d = controls["passing"].value
        shift = (controls["shift_offset"].value, 0.0, controls["shift_bend"].value)
        log_scale = (controls["log_scale_offset"].value, controls["log_scale_slope"].value)
        x = coupling_forward(z, d, shift, log_scale)
        z_samples.set_array(z[:, d])
        x_samples.set_array(z[:, d])
        x_samples.set_offsets(x)
        x_grid.set_segments(list(coupling_forward(lines, d, shift, log_scale)))
        moves.set_segments(list(np.stack([z[shown], x[shown]], axis=1)))
        move_ends.set_offsets(x[shown])
        i, j = d + 1, 2 - d
        x_title.set_text(rf"$x_{i} = z_{i},\quad x_{j} = z_{j}\,e^{{s(z_{i})}} + t(z_{i})$")
        mean_log_det = float(np.mean(np.polynomial.polynomial.polyval(z[:, d], log_scale)))
        move_title.set_text(f"moves along x{j} only;  mean log|det J| = {mean_log_det:.3f}")

    return FlowWidget("coupling_layer", fig, controls, update,
                      {"x_samples": x_samples, "grid": x_grid, "moves": moves, "move_ends": move_ends,
                       "log_det_text": move_title},
                      {"z": z, "lines": lines, "shown": shown},
                      [z_samples, x_grid, x_samples, moves, move_ends, x_title, move_title])


# ---------------------------------------------------------------- 06: training replay


def density_snapshot_fn(xlim: Limits = (-4.0, 4.0), ylim: Limits = (-4.0, 4.0), grid_size: int = 60) -> SnapshotFn:
    """Return a snapshot function for training.train that stores log_prob on a grid_size x grid_size grid."""
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    grid_size = _checks.positive_int("grid_size", grid_size)
    if grid_size < 3:
        raise ValueError(f"grid_size must be at least 3, got {grid_size}")
    gx, gy = np.meshgrid(np.linspace(*xlim, grid_size), np.linspace(*ylim, grid_size))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)

    def snapshot(dist: Any) -> np.ndarray:
        return np.asarray(dist.log_prob(points), dtype=np.float64).reshape(grid_size, grid_size)

    return snapshot


def _snapshot_kind(history: TrainingHistory) -> str:
    """Return 'samples' when every snapshot is (n, 2) points, 'log_prob' when every one is a square grid."""
    shapes = {epoch: np.shape(array) for epoch, array in history.snapshots.items()}
    if all(len(s) == 2 and s[1] == 2 and s[0] >= 1 for s in shapes.values()):
        return "samples"
    if all(len(s) == 2 and s[0] == s[1] >= 3 for s in shapes.values()) and len(set(shapes.values())) == 1:
        return "log_prob"
    raise ValueError("history.snapshots must all be (n, 2) samples (the default snapshot_fn) or all the same "
                     f"square log_prob grid (density_snapshot_fn), got shapes {shapes}")


def training_replay(history: TrainingHistory, data_x: np.ndarray, xlim: Limits = (-4.0, 4.0),
                    ylim: Limits = (-4.0, 4.0), epoch: int | None = None) -> FlowWidget:
    """An epoch slider over a TrainingHistory's stored snapshots: model samples or density at epoch k, and the loss."""
    if not isinstance(history, TrainingHistory):
        raise TypeError(f"history must be a training.TrainingHistory, got {type(history).__name__}")
    if not history.snapshots:
        raise ValueError("history has no snapshots: train with training.train(..., snapshot_epochs=[0, 50, ...]) "
                         "(train_keras stores none)")
    data_x = _checks.points("data_x", data_x, 2)
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    kind = _snapshot_kind(history)
    epochs = sorted(history.snapshots)
    if epoch is None:
        epoch = epochs[-1]
    elif epoch not in history.snapshots:
        raise ValueError(f"epoch must be one of the snapshot epochs {epochs}, got {epoch!r}")
    controls = {"epoch": ipywidgets.SelectionSlider(options=epochs, value=epoch, description="epoch",
                                                    continuous_update=True, style=_SLIDER_STYLE,
                                                    layout={"width": "500px"})}
    loss_at = dict(zip(history.epochs, history.train_loss))
    val_at = dict(zip(history.epochs, history.val_loss)) if history.val_loss else {}

    fig, (ax_model, ax_loss) = _figure(10.0, 4.4, 2)
    artists: dict[str, Artist] = {}
    if kind == "log_prob":
        densities = {e: np.exp(np.asarray(history.snapshots[e], dtype=float)) for e in epochs}
        finite_max = max((float(np.max(d[np.isfinite(d)])) for d in densities.values() if np.isfinite(d).any()),
                         default=1.0)
        artists["density"] = ax_model.imshow(np.ma.masked_invalid(densities[epochs[0]]), origin="lower",
                                             extent=(*xlim, *ylim), cmap="viridis", vmin=0.0, vmax=finite_max,
                                             interpolation="nearest", aspect="auto")
        ax_model.scatter(data_x[:, 0], data_x[:, 1], s=2, color="white", alpha=0.5)
    else:
        ax_model.scatter(data_x[:, 0], data_x[:, 1], s=3, color=_DATA_COLOR, label="data")
        first = np.asarray(history.snapshots[epochs[0]])
        artists["samples"] = ax_model.scatter(first[:, 0], first[:, 1], s=3, color="tab:red", label="model samples")
        ax_model.legend(**_LEGEND_BELOW)
    model_title = _style(ax_model, xlim, ylim, "", "x1", "x2")
    if history.epochs:
        ax_loss.plot(history.epochs, history.train_loss, color="C0", label="train")
        if history.val_loss:
            ax_loss.plot(history.epochs, history.val_loss, color="C0", linestyle="--", label="validation")
        finite = [v for v in history.train_loss + history.val_loss if np.isfinite(v)]
        if finite:
            low, high = np.percentile(finite, [0, 95])
            ax_loss.set_ylim(low - 0.05 * (high - low + 1e-9), high + 0.1 * (high - low + 1e-9))
        ax_loss.legend(loc="upper right", fontsize=8)
    right = max(max(history.epochs, default=0), epochs[-1], 1)
    ax_loss.set_xlim(-0.02 * right, 1.02 * right)
    for e in epochs:
        ax_loss.axvline(e, color="0.85", linewidth=0.8, zorder=0)
    epoch_line = ax_loss.axvline(epoch, color="tab:red", linewidth=1.5)
    ax_loss.set(xlabel="epoch", ylabel="NLL (nats)")
    ax_loss.set_title("loss per epoch; grey lines: stored snapshots", fontsize=10)

    def update() -> None:
        k = controls["epoch"].value
        if kind == "log_prob":
            artists["density"].set_data(np.ma.masked_invalid(densities[k]))
        else:
            artists["samples"].set_offsets(np.asarray(history.snapshots[k]))
        epoch_line.set_xdata([k, k])
        losses = f"train NLL {loss_at[k]:.3f}" if k in loss_at else "before training" if k == 0 else ""
        if k in val_at:
            losses += f", val {val_at[k]:.3f}"
        model_title.set_text(f"epoch {k}" + (f": {losses}" if losses else ""))

    return FlowWidget("training_replay", fig, controls, update, {**artists, "epoch_line": epoch_line},
                      {"data_x": data_x, "kind": kind}, [*artists.values(), epoch_line, model_title])


# ---------------------------------------------------------------- 07: chain stages


def chain_stages(chain: Any, z: np.ndarray, data_x: np.ndarray | None = None, xlim: Limits = (-4.0, 4.0),
                 ylim: Limits = (-4.0, 4.0), stage: int | None = None) -> FlowWidget:
    """A stage slider walking samples z through a Chain bijector by bijector (builders.forward_stages, run once)."""
    z = _checks.points("z", z, 2)
    data_x = None if data_x is None else _checks.points("data_x", data_x, 2)
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    stages = forward_stages(chain, z)  # the only forward passes: every slider position is stored
    last = len(stages) - 1
    if stage is None:
        stage = last
    stage = _checks.non_negative_int("stage", stage)
    if stage > last:
        raise ValueError(f"stage must be between 0 and {last} (the chain has {last} bijectors), got {stage}")
    controls = {"stage": ipywidgets.IntSlider(value=stage, min=0, max=last, step=1, description="stage",
                                              continuous_update=True, style=_SLIDER_STYLE,
                                              layout={"width": "400px"})}

    fig, (ax,) = _figure(5.2, 5.0, 1)
    if data_x is not None:
        ax.scatter(data_x[:, 0], data_x[:, 1], s=3, color=_DATA_COLOR, label="data")
    previous = ax.scatter(z[:, 0], z[:, 1], s=3, color="tab:orange", alpha=0.3, label="previous stage")
    current = ax.scatter(z[:, 0], z[:, 1], s=3, color=_X_COLOR, label="this stage")
    ax.legend(**_LEGEND_BELOW)
    title = _style(ax, xlim, ylim, "", "x1", "x2")

    def update() -> None:
        k = controls["stage"].value
        name, points = stages[k]
        current.set_offsets(points)
        previous.set_offsets(stages[max(k - 1, 0)][1])
        previous.set_visible(k > 0)
        title.set_text(f"stage {k} of {last}: {name}" + (" (the Gaussian)" if k == 0 else ""))

    return FlowWidget("chain_stages", fig, controls, update, {"samples": current, "previous": previous},
                      {"stages": stages}, [previous, current, title])
