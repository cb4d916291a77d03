"""Notebook 07: walk samples through a Chain bijector by bijector with a stage slider."""

from __future__ import annotations

from typing import Any

import ipywidgets
import numpy as np

from course_utils import _checks
from course_utils.inspection import forward_stages
from course_utils.plotting._figures import ORANGE
from course_utils.widgets._figures import DATA_COLOR, LEGEND_BELOW, SLIDER_STYLE, X_COLOR, Limits, figure, style
from course_utils.widgets.flow_widget import FlowWidget


def _stage(stage: int | None, last: int) -> int:
    """Return the stage to show first (the last when None), or raise if it is not one of 0..last."""
    stage = _checks.non_negative_int("stage", last if stage is None else stage)
    if stage > last:
        raise ValueError(f"stage must be between 0 and {last} (the chain has {last} bijectors), got {stage}")
    return stage


def chain_stages(
    chain: Any,
    z: np.ndarray,
    data_x: np.ndarray | None = None,
    xlim: Limits = (-4.0, 4.0),
    ylim: Limits = (-4.0, 4.0),
    stage: int | None = None,
) -> FlowWidget:
    """A stage slider walking samples z through a Chain bijector by bijector (inspection.forward_stages, run once)."""
    _checks.event_size_is("chain", chain, 2, "chain_stages (2-D pictures)")
    z = _checks.points("z", z, 2)
    data_x = None if data_x is None else _checks.points("data_x", data_x, 2)
    xlim, ylim = _checks.limits("xlim", xlim), _checks.limits("ylim", ylim)
    stages = forward_stages(chain, z)  # the only forward passes: every slider position is stored
    last = len(stages) - 1
    slider = ipywidgets.IntSlider(
        value=_stage(stage, last),
        min=0,
        max=last,
        step=1,
        description="stage",
        continuous_update=True,
        style=SLIDER_STYLE,
        layout={"width": "400px"},
    )
    controls = {"stage": slider}

    fig, (ax,) = figure(5.2, 5.0, 1)
    if data_x is not None:
        ax.scatter(data_x[:, 0], data_x[:, 1], s=3, color=DATA_COLOR, label="data")
    previous = ax.scatter(z[:, 0], z[:, 1], s=3, color=ORANGE, alpha=0.3, label="previous stage")
    current = ax.scatter(z[:, 0], z[:, 1], s=3, color=X_COLOR, label="this stage")
    ax.legend(**LEGEND_BELOW)
    title = style(ax, xlim, ylim, "", "x1", "x2")

    def update() -> None:
        """Move the changing artists to the controls' values."""
        k = controls["stage"].value
        name, points = stages[k]
        current.set_offsets(points)
        previous.set_offsets(stages[max(k - 1, 0)][1])
        previous.set_visible(k > 0)
        title.set_text(f"stage {k} of {last}: {name}" + (" (the Gaussian)" if k == 0 else ""))

    artists = {"samples": current, "previous": previous}
    return FlowWidget("chain_stages", fig, controls, update, artists, {"stages": stages}, [previous, current, title])
