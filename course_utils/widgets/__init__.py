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

Modules: `flow_widget` (the widget), one per builder (`affine`, `autoregressive`, `coupling`,
`replay`, `stages`); `_figures` holds the figure, slider and styling helpers they share.
"""

from course_utils.widgets.affine import affine_flow_1d
from course_utils.widgets.autoregressive import autoregressive_2d, autoregressive_forward, autoregressive_jacobian
from course_utils.widgets.coupling import coupling_forward, coupling_layer
from course_utils.widgets.flow_widget import FlowWidget
from course_utils.widgets.replay import density_snapshot_fn, training_replay
from course_utils.widgets.stages import chain_stages

__all__ = [
    "FlowWidget",
    "affine_flow_1d",
    "autoregressive_2d",
    "coupling_layer",
    "training_replay",
    "chain_stages",
    "density_snapshot_fn",
    "autoregressive_forward",
    "autoregressive_jacobian",
    "coupling_forward",
]
