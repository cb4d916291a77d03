"""Matplotlib figures for 2-D flows: densities, samples, training data, bijector stages, loss curves.

Every function checks its arguments first, draws with the object API and returns the Figure;
nothing calls plt.show() or closes figures, so notebooks display them and scripts save them.
NaN or infinite values (a diverged flow's log_prob, samples or losses) are never hidden: they
are painted grey or left as gaps and counted in a title or legend; densities and samples also warn.

Modules by concern: `densities`, `samples` (samples, data, stages), `losses`, `maps` (1-D change
of variables, warped grids), `coupling` (coupling layers, Jacobians), `autoregressive` (MADE
graphs and masks) and `costs` (pass costs); `_figures` holds what they share.
"""

from course_utils.plotting.autoregressive import plot_made, plot_masks
from course_utils.plotting.costs import plot_pass_costs
from course_utils.plotting.coupling import plot_coupling_layer, plot_jacobians
from course_utils.plotting.densities import density_grid, plot_density
from course_utils.plotting.losses import plot_loss
from course_utils.plotting.maps import plot_change_of_variables_1d, plot_warped_grid
from course_utils.plotting.samples import plot_data, plot_data_vs_model, plot_samples, plot_stages

__all__ = [
    "density_grid",
    "plot_density",
    "plot_samples",
    "plot_data",
    "plot_data_vs_model",
    "plot_stages",
    "plot_loss",
    "plot_change_of_variables_1d",
    "plot_warped_grid",
    "plot_coupling_layer",
    "plot_jacobians",
    "plot_made",
    "plot_masks",
    "plot_pass_costs",
]
