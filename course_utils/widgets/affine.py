"""Notebook 01: a 1-D affine flow x = shift + e^log_scale z, its density and the log-det as a gap."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from course_utils import _checks
from course_utils.plotting._figures import ORANGE, VERMILLION
from course_utils.widgets._figures import X_COLOR, Z_COLOR, Limits, figure, slider, standard_normal
from course_utils.widgets.flow_widget import FlowWidget


def _normal_pdf(x: np.ndarray) -> np.ndarray:
    """The N(0, 1) density."""
    return np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi)


def _density_panel(ax: Axes, x: np.ndarray, z_samples: np.ndarray, x_lim: Limits) -> dict[str, Any]:
    """Draw the base density and rug; return the artists that follow the sliders (density, rug, mean, title)."""
    n_samples = len(z_samples)
    ax.plot(x, _normal_pdf(x), color=Z_COLOR, linestyle="--", label=r"base $p_z = \mathcal{N}(0, 1)$")
    (density,) = ax.plot(x, x * 0, color=X_COLOR, linewidth=2, label=r"$p_x(x) = p_z(z)\,e^{-s}$")
    ax.plot(z_samples, np.full(n_samples, -0.06), "|", color=Z_COLOR, markersize=6)
    (x_rug,) = ax.plot(z_samples, np.full(n_samples, -0.14), "|", color=X_COLOR, markersize=6)
    mean_line = ax.axvline(0.0, color=X_COLOR, linestyle=":", linewidth=1)
    ax.set(xlim=x_lim, ylim=(-0.2, 1.9), xlabel="x", ylabel="density")
    ax.legend(loc="upper left", fontsize=8)
    title = ax.set_title("", fontsize=10)
    return {"density": density, "x_samples": x_rug, "mean": mean_line, "title": title}


def _log_density_panel(ax: Axes, x: np.ndarray, x_lim: Limits) -> dict[str, Any]:
    """Draw the log-density axes; return the artists that follow the sliders (both curves, the gap and its text)."""
    log_base_label = r"$\log p_z(z)$,  $z = (x - b)\,e^{-s}$"
    (log_base,) = ax.plot(x, x * 0, color=ORANGE, linestyle="--", label=log_base_label)
    (log_density,) = ax.plot(x, x * 0, color=X_COLOR, linewidth=2, label=r"$\log p_x(x) = \log p_z(z) - s$")
    (gap,) = ax.plot([0, 0], [0, 0], color=VERMILLION, linewidth=3, solid_capstyle="butt")
    gap_text = ax.text(0, 0, "", color=VERMILLION, fontsize=10, va="center")
    ax.set(xlim=x_lim, ylim=(-8.0, 2.5), xlabel="x", ylabel="log density")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("log-densities: the gap is the log-det term", fontsize=10)
    return {"log_base": log_base, "log_density": log_density, "gap": gap, "log_det_text": gap_text}


def affine_flow_1d(
    shift: float = 1.0, log_scale: float = 0.4, x_lim: Limits = (-9.0, 9.0), n_samples: int = 150, seed: int = 0
) -> FlowWidget:
    """Sliders for x = shift + e^log_scale z, z ~ N(0, 1): base and transformed densities and the log-det, live."""
    controls = {"shift": slider("shift", shift, -2.5, 2.5), "log_scale": slider("log_scale", log_scale, -1.5, 0.5)}
    x_lim = _checks.limits("x_lim", x_lim)
    n_samples = _checks.positive_int("n_samples", n_samples, maximum=_checks.MAX_DRAWN)
    seed = _checks.seed("seed", seed)

    x = np.linspace(*x_lim, 1201)
    z_samples = standard_normal(n_samples, seed)
    fig, (ax_p, ax_log) = figure(10.0, 3.8, 2)
    p, log = _density_panel(ax_p, x, z_samples, x_lim), _log_density_panel(ax_log, x, x_lim)

    def update() -> None:
        """Move the changing artists to the controls' values."""
        b, s = controls["shift"].value, controls["log_scale"].value
        z = (x - b) * np.exp(-s)
        log_pz = -0.5 * z**2 - 0.5 * np.log(2 * np.pi)
        p["density"].set_ydata(np.exp(log_pz - s))
        p["x_samples"].set_xdata(b + np.exp(s) * z_samples)
        p["mean"].set_xdata([b, b])
        p["title"].set_text(f"x = b + exp(s) z:  mean b = {b:.2f},  std exp(s) = {np.exp(s):.2f}")
        log["log_base"].set_ydata(log_pz)
        log["log_density"].set_ydata(log_pz - s)
        top = -0.5 * np.log(2 * np.pi)
        log["gap"].set_data([b, b], [top, top - s])
        log["log_det_text"].set_position((b + 0.4, top + 0.5))
        log["log_det_text"].set_text(f"log|dx/dz| = s = {s:.2f}")

    changing = ["log_base", "log_density", "log_det_text"]
    artists = {"density": p["density"], "x_samples": p["x_samples"], **{name: log[name] for name in changing}}
    return FlowWidget(
        "affine_flow_1d", fig, controls, update, artists, {"x": x, "z_samples": z_samples}, [*p.values(), *log.values()]
    )
